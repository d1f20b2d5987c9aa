#Requires -Version 7.4
# README.md's PowerShell tour, run as written: every ```powershell block right after the line
# "<!-- runs in tests/Readme.Tests.ps1 -->", in order, in one runspace of its own (so variables carry from block to
# block as in a user's session), against a one-machine cluster that $env:KOHAKURIVER_HOST and $env:KOHAKURIVER_TOKEN
# name, as the README's first block expects. Needs what the module's cluster tests need (tests/TestCluster.ps1).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestCluster.ps1')
    $script:canRunCluster = Test-ClusterPrerequisite

    $marker = '<!-- runs in tests/Readme.Tests.ps1 -->'
    $lines = Get-Content -LiteralPath (Join-Path (Split-Path -Parent $PSScriptRoot) 'README.md')
    $script:blocks = @()
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i].Trim() -ne $marker) { continue }
        if ($i + 1 -ge $lines.Count -or $lines[$i + 1].Trim() -ne '```powershell') {
            throw "README.md line $($i + 1): the marker must be followed by a ``````powershell block"
        }
        $end = $i + 2
        while ($end -lt $lines.Count -and $lines[$end].Trim() -ne '```') { $end++ }
        if ($end -ge $lines.Count) { throw "README.md line $($i + 2): the block never ends" }
        $script:blocks += @{ Line = $i + 3; Code = $lines[($i + 2)..($end - 1)] -join "`n"; First = $lines[$i + 2].Trim() }
        $i = $end
    }
}

Describe 'README.md''s PowerShell tour' -Skip:(-not $canRunCluster) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestCluster.ps1')
        $repo = Split-Path -Parent $PSScriptRoot
        $modulePath = if ($env:KOHAKURIVER_MODULE) { $env:KOHAKURIVER_MODULE } else { Join-Path $repo 'out/KohakuRiver/KohakuRiver.psd1' }
        Import-Module $modulePath -Force

        $script:scratch = Join-Path ([System.IO.Path]::GetTempPath()) ("kohakuriver-readme-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path (Join-Path $script:scratch 'work') -Force | Out-Null
        $env:KOHAKURIVER_CLIENT_CONFIG = Join-Path $script:scratch 'client.json'
        $script:daemon = Start-RiverDaemon -Directory (Join-Path $script:scratch 'cluster') -NodeName 'readme-node'
        # As for a new user: no session connection, the cluster in the environment (the README's first block keeps these).
        Disconnect-RiverCluster -Confirm:$false
        $env:KOHAKURIVER_HOST = "127.0.0.1:$($script:daemon.HostPort)"
        $env:KOHAKURIVER_TOKEN = $script:daemon.Token

        # No host UI: a block that would prompt fails instead of waiting on stdin.
        $script:session = [powershell]::Create()
        $null = $script:session.AddCommand('Import-Module').AddParameter('Name', $modulePath).AddStatement().
            AddCommand('Set-Location').AddParameter('LiteralPath', (Join-Path $script:scratch 'work'))
        $null = $script:session.Invoke()

        function Get-TourVariable([string] $Name) { $script:session.Runspace.SessionStateProxy.GetVariable($Name) }
    }

    AfterAll {
        if ($script:session) { $script:session.Dispose() }
        Stop-RiverDaemon $script:daemon
        Remove-Item Env:KOHAKURIVER_HOST, Env:KOHAKURIVER_TOKEN, Env:KOHAKURIVER_CLIENT_CONFIG -ErrorAction Ignore
        Remove-Item -LiteralPath $script:scratch -Recurse -Force -ErrorAction Ignore
    }

    It 'has runnable blocks' {
        $blocks.Count | Should -BeGreaterOrEqual 5
    }

    It 'runs the block at line <Line> (<First>) without errors' -ForEach $blocks {
        $session.Commands.Clear()
        $session.Streams.ClearStreams()
        # useLocalScope $false: the block runs in the runspace's global scope, so what it defines stays for the next.
        $null = $session.AddScript($Code, $false).AddCommand('Out-String').AddParameter('Width', 160)
        $output = $session.Invoke()
        Write-Host ($output -join '') -ForegroundColor DarkGray
        @($session.Streams.Error) -join "`n" | Should -BeNullOrEmpty
        $session.HadErrors | Should -BeFalse
    }

    It 'got the results the README describes' {
        (Get-RiverCluster).Source | Should -Be 'Environment'

        $t = Get-TourVariable t
        $t.Status | Should -Be 'Completed'
        Receive-RiverTaskOutput $t.TaskId | Should -BeLike "hello from $($t.TaskId) on ?*"

        $tasks = Get-TourVariable tasks
        $tasks | Should -HaveCount 8
        $results = Import-Csv -LiteralPath (Join-Path $script:scratch 'work/results.csv')
        $results | Should -HaveCount 8
        ($results | Where-Object Status -eq 'Failed').Name | Should -Be @(
            'large-0.01-2', 'small-0.01-2', 'large-0.1-2', 'small-0.1-2')

        Receive-RiverTaskOutput (Get-TourVariable steps).TaskId | Should -Be @('step 1', 'step 2', 'step 3')
        (Get-TourVariable first).TaskId | Should -BeIn $tasks.TaskId
        (Get-RiverTask (Get-TourVariable long).TaskId).Status | Should -Be 'Killed'

        $web = Get-TourVariable web
        (Get-TourVariable inside).Stdout | Should -Be "hello from $($web.TaskId)`n"
        $fwd = Get-TourVariable fwd
        $fwd.State | Should -Be 'Stopped'
        $fwd.TotalConnections | Should -BeGreaterOrEqual 1
        $fwd.BytesReceived | Should -BeGreaterThan 0
    }
}
