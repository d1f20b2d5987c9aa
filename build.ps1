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
               is not installed, an error when KOHAKURIVER_REQUIRE_DOCKER=1); the counts go to out/pester-result.txt.
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
    # CI (KOHAKURIVER_REQUIRE_DOCKER=1) must run these tests: there a missing Pester is an error, not a skip.
    $required = $env:KOHAKURIVER_REQUIRE_DOCKER -eq '1'
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version] '5.0.0' } |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        $message = 'Pester 5 is not installed (bash .ci/setup installs it; or Install-Module Pester -MinimumVersion 5.0)'
        if ($required) { throw "$message, and KOHAKURIVER_REQUIRE_DOCKER=1 requires tests/*.Tests.ps1 to run" }
        Write-Warning "$($message): skipping tests/*.Tests.ps1"
        return
    }
    # By name from PATH: when pwsh is the .NET global tool this process's own path is dotnet, not pwsh.
    $pwsh = Get-Command -Name pwsh -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $pwsh) { throw 'pwsh is not on PATH (the .NET global tool lives in ~/.dotnet/tools)' }
    $tests = @(Get-ChildItem -Path (Join-Path $repo 'tests') -Filter '*.Tests.ps1' -File)
    if ($tests.Count -eq 0) { throw 'no Pester tests under tests/' }

    # The counts go to a file for callers (.ci/test) that sum them up: KOHAKURIVER_PESTER_RESULT names it.
    $resultFile = if ($env:KOHAKURIVER_PESTER_RESULT) { $env:KOHAKURIVER_PESTER_RESULT } else { Join-Path $repo 'out/pester-result.txt' }

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
# A block or file that fails outside any test (BeforeAll, discovery) counts as one failure at least.
`$failed = `$result.FailedCount
if (`$failed -eq 0 -and `$result.Result -ne 'Passed') { `$failed = [Math]::Max(1, `$result.FailedBlocksCount + `$result.FailedContainersCount) }
Set-Content -LiteralPath $(& $quote $resultFile) -Value @("passed=`$(`$result.PassedCount)", "failed=`$failed", "skipped=`$(`$result.SkippedCount)")
if (`$failed -gt 0) { exit 1 }
"@
    Remove-Item -LiteralPath $resultFile -ErrorAction Ignore
    New-Item -ItemType Directory -Path (Split-Path -Parent $resultFile) -Force | Out-Null
    Invoke-Native $pwsh.Source @('-NoProfile', '-NonInteractive', '-Command', $script)
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
