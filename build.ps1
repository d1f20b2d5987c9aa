#Requires -Version 7.4
<#
.SYNOPSIS
    Builds KohakuRiver, runs its xunit and Pester tests, and lays the module out in out/KohakuRiver/.
.DESCRIPTION
    Tasks (each runs what it needs first):
      Build    dotnet build of the solution.
      Test     the xunit tests (dotnet test).
      Package  out/KohakuRiver/: the manifest, KohakuRiver.PowerShell.dll, KohakuRiver.Core.dll and the format file,
               checked: ModuleVersion equals the assembly version, PowerShellStandard's assembly is not there,
               Test-ModuleManifest passes.
      Pester   tests/*.Tests.ps1 against the packaged module, in a fresh pwsh (skipped with a warning when Pester 5
               is not installed).
      All      Build, Test, Package, Pester (the default).
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Package -Configuration Debug
    Import-Module ./out/KohakuRiver/KohakuRiver.psd1
#>
[CmdletBinding()]
param(
    [ValidateSet('All', 'Build', 'Test', 'Package', 'Pester')]
    [string[]] $Task = @('All'),

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$repo = $PSScriptRoot
$solution = Join-Path $repo 'KohakuRiver.slnx'
$manifestSource = Join-Path $repo 'KohakuRiver.psd1'
$moduleBin = Join-Path $repo "KohakuRiver.PowerShell/bin/$Configuration/net8.0"
$out = Join-Path $repo 'out/KohakuRiver'
$done = @{}

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $Command, [string[]] $Arguments = @())
    Write-Host "> $Command $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command exited with $LASTEXITCODE" }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', $solution, '-c', $Configuration, '--nologo')
}

function Invoke-XunitTests {
    Invoke-Native dotnet @('test', $solution, '-c', $Configuration, '--no-build', '--nologo')
}

function Invoke-Package {
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestSource
    $files = @($manifest.RootModule) + @($manifest.RequiredAssemblies) + @($manifest.FormatsToProcess)
    foreach ($file in $files) {
        if (-not (Test-Path -LiteralPath (Join-Path $moduleBin $file))) { throw "$file is not in $moduleBin; build first" }
    }
    $help = Join-Path $moduleBin 'en-US'
    if (-not (Test-Path -LiteralPath (Join-Path $help 'KohakuRiver.PowerShell.dll-Help.xml'))) { throw "no help in $help; build first" }
    if (Test-Path -LiteralPath (Join-Path $moduleBin 'System.Management.Automation.dll')) {
        throw 'System.Management.Automation.dll is in the build output: PowerShellStandard.Library must stay a compile-time reference'
    }

    # The manifest's version is the assembly's (Directory.Build.props <Version>): refuse to ship them apart.
    $assemblyVersion = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $moduleBin $manifest.RootModule)).Version
    $moduleVersion = [version] $manifest.ModuleVersion
    if ($assemblyVersion.Major -ne $moduleVersion.Major -or $assemblyVersion.Minor -ne $moduleVersion.Minor -or
        $assemblyVersion.Build -ne $moduleVersion.Build) {
        throw "KohakuRiver.psd1 says ModuleVersion $moduleVersion but the assembly is $assemblyVersion"
    }

    if (Test-Path -LiteralPath $out) { Remove-Item -LiteralPath $out -Recurse -Force }
    New-Item -ItemType Directory -Path $out | Out-Null
    Copy-Item -LiteralPath $manifestSource -Destination $out
    foreach ($file in $files) { Copy-Item -LiteralPath (Join-Path $moduleBin $file) -Destination $out }
    # Help: the MAML the build generated from KohakuRiver.PowerShell/Help/en-US, and the about topic beside it.
    Copy-Item -LiteralPath $help -Destination $out -Recurse
    foreach ($pdb in 'KohakuRiver.PowerShell.pdb', 'KohakuRiver.Core.pdb') {
        $path = Join-Path $moduleBin $pdb
        if (Test-Path -LiteralPath $path) { Copy-Item -LiteralPath $path -Destination $out }
    }

    $tested = Test-ModuleManifest -Path (Join-Path $out 'KohakuRiver.psd1')
    Write-Host "packaged $($tested.Name) $($tested.Version) in $out ($(@($manifest.CmdletsToExport).Count) cmdlets)" -ForegroundColor Green
}

function Invoke-PesterTests {
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version] '5.0.0' } |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        Write-Warning 'Pester 5 is not installed (Install-Module Pester -MinimumVersion 5.0): skipping tests/*.Tests.ps1'
        return
    }
    $tests = @(Get-ChildItem -Path (Join-Path $repo 'tests') -Filter '*.Tests.ps1' -File)
    if ($tests.Count -eq 0) { throw 'no Pester tests under tests/' }

    # A fresh pwsh: a binary module cannot be unloaded, so the tests must not share this session's copy.
    $quote = { param($s) "'" + ($s -replace "'", "''") + "'" }
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module -Name $(& $quote $pester.Path)
`$env:KOHAKURIVER_MODULE = $(& $quote (Join-Path $out 'KohakuRiver.psd1'))
`$env:KOHAKURIVER_CONFIGURATION = $(& $quote $Configuration)
`$config = New-PesterConfiguration
`$config.Run.Path = @($(($tests | ForEach-Object { & $quote $_.FullName }) -join ', '))
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$result = Invoke-Pester -Configuration `$config
if (`$result.FailedCount -gt 0 -or `$result.Result -ne 'Passed') { exit 1 }
"@
    Invoke-Native (Get-Process -Id $PID).Path @('-NoProfile', '-NonInteractive', '-Command', $script)
}

function Invoke-Task([string] $Name) {
    if ($done[$Name]) { return }
    switch ($Name) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Task Build; Invoke-XunitTests }
        'Package' { Invoke-Task Build; Invoke-Package }
        'Pester' { Invoke-Task Package; Invoke-PesterTests }
        'All' { Invoke-Task Build; Invoke-Task Test; Invoke-Task Package; Invoke-Task Pester }
    }
    $done[$Name] = $true
}

foreach ($name in $Task) { Invoke-Task $name }
