#Requires -Version 7.4
# Pester 5 tests of the KohakuRiver module's main flows. build.ps1 -Task Pester runs them against out/KohakuRiver/
# (or $env:KOHAKURIVER_MODULE). The "one-machine cluster" part starts `kohakuriver-daemon standalone` and runs real
# tasks, so it needs the built daemon, a Docker engine and the kohakuriver/busybox:base image (.ci/setup); without
# them it is skipped.

BeforeDiscovery {
    $repo = Split-Path -Parent $PSScriptRoot
    $configuration = if ($env:KOHAKURIVER_CONFIGURATION) { $env:KOHAKURIVER_CONFIGURATION } else { 'Release' }
    $daemonDll = Join-Path $repo "KohakuRiver.Daemon/bin/$configuration/net10.0/kohakuriver-daemon.dll"
    $dockerReady = $false
    if ((Get-Command docker -ErrorAction Ignore) -and (Test-Path $daemonDll)) {
        docker image inspect kohakuriver/busybox:base *> $null
        $dockerReady = $LASTEXITCODE -eq 0
    }
    $script:canRunCluster = $dockerReady
}

BeforeAll {
    $repo = Split-Path -Parent $PSScriptRoot
    $configuration = if ($env:KOHAKURIVER_CONFIGURATION) { $env:KOHAKURIVER_CONFIGURATION } else { 'Release' }
    $modulePath = if ($env:KOHAKURIVER_MODULE) { $env:KOHAKURIVER_MODULE } else { Join-Path $repo 'out/KohakuRiver/KohakuRiver.psd1' }
    Import-Module $modulePath -Force

    # Keep the user's own connection out of the tests: no variables, and a config file of our own.
    $script:scratch = Join-Path ([System.IO.Path]::GetTempPath()) ("kohakuriver-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:scratch | Out-Null
    $env:KOHAKURIVER_CLIENT_CONFIG = Join-Path $script:scratch 'client.json'
    Remove-Item Env:KOHAKURIVER_HOST, Env:KOHAKURIVER_TOKEN -ErrorAction Ignore

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60, [string] $What = 'condition') {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "timed out after $Seconds s waiting for $What" }
            Start-Sleep -Milliseconds 200
        }
    }
}

AfterAll {
    Disconnect-RiverCluster -Confirm:$false
    Remove-Item -LiteralPath $script:scratch -Recurse -Force -ErrorAction Ignore
    Remove-Item Env:KOHAKURIVER_CLIENT_CONFIG -ErrorAction Ignore
}

Describe 'The module surface' {
    It 'exports exactly the cmdlets its manifest lists' {
        $manifest = Import-PowerShellDataFile (Join-Path $repo 'KohakuRiver.psd1')
        (Get-Command -Module KohakuRiver -CommandType Cmdlet).Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        Get-Command -Module KohakuRiver -CommandType Function | Should -BeNullOrEmpty
    }

    It 'uses approved verbs and declares an output type on every cmdlet' {
        $approved = (Get-Verb).Verb
        Get-Command -Module KohakuRiver | Where-Object Verb -NotIn $approved | Should -BeNullOrEmpty
        Get-Command -Module KohakuRiver | Where-Object { -not $_.OutputType } | Should -BeNullOrEmpty
    }

    It 'accepts 8GB and ''8G'' for -Memory' {
        $transform = (Get-Command Submit-RiverTask).Parameters['Memory'].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ArgumentTransformationAttribute] }
        $transform.Transform($ExecutionContext, 8GB) | Should -Be 8GB
        $transform.Transform($ExecutionContext, '8G') | Should -Be 8GB
        $transform.Transform($ExecutionContext, '512m') | Should -Be 512MB
        { $transform.Transform($ExecutionContext, 'lots') } | Should -Throw
    }

    It 'binds a task object to -TaskId by property name' {
        $task = [KohakuRiver.Core.Wire.RiverTask]@{ TaskId = 7205759403792793601 }
        { $task | Stop-RiverTask -WhatIf -ErrorAction Stop } | Should -Not -Throw
        { [pscustomobject]@{ TaskId = '7205759403792793601' } | Suspend-RiverTask -WhatIf -ErrorAction Stop } | Should -Not -Throw
    }

    It 'says RiverNotConnected when nothing names a cluster' {
        Disconnect-RiverCluster -Confirm:$false
        Get-RiverCluster -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RiverNotConnected,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        { Get-RiverHealth -ErrorAction Stop } | Should -Throw -ErrorId 'RiverNotConnected'
    }

    It 'says RiverConnectionFailed when the host does not answer' {
        $failure = { Connect-RiverCluster -Uri "127.0.0.1:$(Get-FreePort)" -Token 'x' } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'RiverConnectionFailed,*'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'reads the cluster from the environment, and the environment over the saved file' {
        Set-Content -LiteralPath $env:KOHAKURIVER_CLIENT_CONFIG -Value '{"host": "http://saved:8000/", "token": "saved-token"}'
        (Get-RiverCluster).Source | Should -Be 'ConfigFile'
        $env:KOHAKURIVER_HOST = 'from-env:9000'
        $env:KOHAKURIVER_TOKEN = 'env-token'
        try {
            $c = Get-RiverCluster
            $c.Source | Should -Be 'Environment'
            $c.Uri | Should -Be 'http://from-env:9000/'
            $c.TokenHint | Should -Not -Match 'env-token'
        }
        finally {
            Remove-Item Env:KOHAKURIVER_HOST, Env:KOHAKURIVER_TOKEN
            Remove-Item -LiteralPath $env:KOHAKURIVER_CLIENT_CONFIG
        }
    }
}

Describe 'Against a one-machine cluster' -Skip:(-not $canRunCluster) {
    BeforeAll {
        $daemonDll = Join-Path $repo "KohakuRiver.Daemon/bin/$configuration/net10.0/kohakuriver-daemon.dll"
        $script:hostPort = Get-FreePort
        $runnerPort = Get-FreePort
        $script:token = 'pester-' + [guid]::NewGuid().ToString('N')
        $dir = Join-Path $script:scratch 'cluster'
        $arguments = @(
            $daemonDll, 'standalone', '--host-port', $script:hostPort, '--runner-port', $runnerPort,
            '--host-bind-address', '127.0.0.1', '--data-dir', "$dir/data", '--shared-dir', "$dir/shared",
            '--local-temp-dir', "$dir/local", '--runner-hostname', 'pester-node', '--api-token', $script:token,
            '--cluster-token', 'pester-cluster', '--task-network', 'none', '--log-level', 'Warning')
        $script:daemon = Start-Process -FilePath dotnet -ArgumentList $arguments -PassThru `
            -RedirectStandardOutput "$script:scratch/daemon.out" -RedirectStandardError "$script:scratch/daemon.err"
        # Connection failures are terminating errors (nothing later could succeed), hence try/catch while it starts.
        Wait-Until -What 'the host to answer' {
            try { Connect-RiverCluster -Uri "127.0.0.1:$($script:hostPort)" -Token $script:token | Out-Null; $true } catch { $false }
        }
        Wait-Until -What 'the node to be online' {
            try { (Get-RiverNode).Status -contains 'Online' } catch { $false }
        }
    }

    AfterAll {
        if ($script:daemon -and -not $script:daemon.HasExited) { Stop-Process -Id $script:daemon.Id -Force }
    }

    It 'shows the cluster, its node and its health' {
        (Get-RiverCluster).Source | Should -Be 'Session'
        $node = Get-RiverNode pester-node
        $node.Status | Should -Be 'Online'
        $node.TotalCores | Should -BeGreaterThan 0
        (Get-RiverHealth).OnlineNodes | Should -Be 1
        Get-RiverNode -NodeName 'no-such-node' -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'RiverNodeNotFound,*'
    }

    It 'submits one task, waits for it and reads its output' {
        $task = Submit-RiverTask 'echo hello from $KOHAKURIVER_TASK_ID' -Memory 64MB -Wait
        $task.Status | Should -Be 'Completed'
        $task.ExitCode | Should -Be 0
        Receive-RiverTaskOutput -TaskId $task.TaskId | Should -Be "hello from $($task.TaskId)"
    }

    It 'runs a sweep as one batch and pipes it through Wait, Where-Object and Receive' {
        $grid = 1..3 | ForEach-Object { @{ n = $_ } }
        $tasks = $grid | Submit-RiverTask 'echo n={n} tag={tag}; exit $(( {n} % 2 ))' -Sweep @{ tag = 'a', 'b' } -Name 'n{n}-{tag}'
        $tasks.Count | Should -Be 6
        @($tasks.BatchId | Sort-Object -Unique).Count | Should -Be 1
        $tasks[0].Parameters['n'] | Should -Be '1'
        $tasks[0].Parameters['tag'] | Should -Be 'a'

        $failed = $tasks | Wait-RiverTask | Where-Object ExitCode -ne 0
        @($failed).Count | Should -Be 4
        $failed | Receive-RiverTaskOutput | Sort-Object | Should -Be @('n=1 tag=a', 'n=1 tag=b', 'n=3 tag=a', 'n=3 tag=b')

        $listed = Get-RiverTask -BatchId $tasks[0].BatchId
        @($listed).Count | Should -Be 6
        ($listed | Group-Object Status | Sort-Object Name).Name | Should -Be @('Completed', 'Failed')
        $csv = Join-Path $script:scratch 'sweep.csv'
        $listed | Sort-Object Name | Select-Object TaskId, Name, Status, ExitCode | Export-Csv -LiteralPath $csv
        (Import-Csv -LiteralPath $csv).Name | Should -Be @('n1-a', 'n1-b', 'n2-a', 'n2-b', 'n3-a', 'n3-b')
        Get-RiverNode pester-node | Get-RiverTask -Newest 6 | Should -HaveCount 6
    }

    It 'keeps stderr apart and follows output until the task ends' {
        $task = Submit-RiverTask 'echo out; echo err >&2; for i in 1 2 3; do echo line $i; sleep 0.3; done'
        $lines = Receive-RiverTaskOutput -TaskId $task.TaskId -Wait -ErrorVariable stderr 2>$null
        $lines | Should -Be @('out', 'line 1', 'line 2', 'line 3')
        $stderr[0].Exception.Message | Should -Be 'err'
        $stderr[0].CategoryInfo.Category | Should -Be 'FromStdErr'
        Receive-RiverTaskOutput -TaskId $task.TaskId -Stream StandardError | Should -Be 'err'
        Receive-RiverTaskOutput -TaskId $task.TaskId -Stream StandardOutput -Tail 1 | Should -Be 'line 3'
    }

    It 'suspends, resumes and stops a task' {
        $task = Submit-RiverTask 'sleep 60'
        Wait-Until -What 'the task to run' { (Get-RiverTask $task.TaskId).Status -eq 'Running' }
        ($task | Suspend-RiverTask -Confirm:$false -PassThru).Status | Should -Be 'Paused'
        ($task | Resume-RiverTask -Confirm:$false -PassThru).Status | Should -Be 'Running'
        $task | Stop-RiverTask -Confirm:$false
        ($task | Wait-RiverTask -Timeout 30).Status | Should -Be 'Killed'
    }

    It 'is silent when a wait times out' {
        $task = Submit-RiverTask 'sleep 60'
        $task | Wait-RiverTask -Timeout 1 | Should -BeNullOrEmpty
        Stop-RiverTask -TaskId $task.TaskId -Confirm:$false
    }

    It 'reports one bad id and goes on with the rest' {
        $good = Submit-RiverTask 'true' -Wait
        $found = Get-RiverTask -TaskId 12345, $good.TaskId -ErrorVariable problems -ErrorAction SilentlyContinue
        $found.TaskId | Should -Be $good.TaskId
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RiverTaskNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Stop-RiverTask -TaskId $good.TaskId -Confirm:$false -ErrorVariable conflict -ErrorAction SilentlyContinue
        $conflict[0].FullyQualifiedErrorId | Should -BeLike 'RiverTaskStateConflict,*'
    }

    It 'works from a scheduled job through the saved connection' {
        Connect-RiverCluster -Uri "127.0.0.1:$($script:hostPort)" -Token $script:token -Save | Out-Null
        $child = @"
Import-Module '$($modulePath -replace "'", "''")'
(Get-RiverCluster).Source
(Get-RiverHealth).OnlineNodes
"@
        $answer = & (Get-Process -Id $PID).Path -NoProfile -NonInteractive -Command $child
        $answer | Should -Be @('ConfigFile', '1')
    }
}
