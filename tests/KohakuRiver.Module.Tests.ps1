#Requires -Version 7.4
# Pester 5 tests of the KohakuRiver module's main flows. build.ps1 -Task Pester runs them against out/KohakuRiver/
# (or $env:KOHAKURIVER_MODULE). The "one-machine cluster" part starts `kohakuriver-daemon standalone` and runs real
# tasks, so it needs the built daemon, a Docker engine and the kohakuriver/busybox:base image (.ci/setup); without
# them it is skipped, except in CI (KOHAKURIVER_REQUIRE_DOCKER=1), where anything missing fails the run
# (tests/TestCluster.ps1).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestCluster.ps1')
    $script:canRunCluster = Test-ClusterPrerequisite
    $script:canRunVps = Test-ClusterPrerequisite -Vps
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

    . (Join-Path $PSScriptRoot 'TestCluster.ps1')
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

    It 'refuses a -Memory that is not a size in the binder, before calling any host' {
        # The accepted forms (8GB, '8G', '512m') reach a real host in the xunit ArgumentTests and the cluster block.
        { Submit-RiverTask 'true' -Memory 'lots' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*'
    }

    It 'binds a task object to -TaskId by property name' {
        $task = [KohakuRiver.Core.Tasks.RiverTask]@{ TaskId = 7205759403792793601 }
        { $task | Stop-RiverTask -WhatIf -ErrorAction Stop } | Should -Not -Throw
        { [pscustomobject]@{ TaskId = '7205759403792793601' } | Suspend-RiverTask -WhatIf -ErrorAction Stop } | Should -Not -Throw
    }

    It 'says RiverNotConnected when nothing names a cluster' {
        Disconnect-RiverCluster -Confirm:$false
        Get-RiverCluster -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RiverNotConnected,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        { Get-RiverHealth -ErrorAction Stop } | Should -Throw -ErrorId 'RiverNotConnected,*'
    }

    It 'says RiverConnectionFailed when the host does not answer' {
        $failure = { Connect-RiverCluster -Uri "127.0.0.1:$(Get-FreePort)" -Token (ConvertTo-SecureString 'x' -AsPlainText -Force) } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'RiverConnectionFailed,*'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'binds a task''s Environment, not its Name, to the environment cmdlets' {
        # An invalid name would be refused before -WhatIf; the task's environment is a valid one.
        $task = [KohakuRiver.Core.Tasks.RiverTask]@{ TaskId = 7205759403792793601; Name = 'Not A Valid Name'; Environment = 'py312' }
        { $task | Remove-RiverEnvironment -WhatIf -ErrorAction Stop } | Should -Not -Throw
        { $task | Publish-RiverEnvironment -WhatIf -ErrorAction Stop } | Should -Not -Throw
        { [KohakuRiver.Core.Environments.RiverEnvironment]@{ Environment = 'py312' } | Stop-RiverEnvironment -WhatIf -ErrorAction Stop } |
            Should -Not -Throw
        { Remove-RiverEnvironment -Name 'Not Valid' -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'RiverInvalidArgument,*'
    }

    It 'checks New-RiverVps''s input and key before -WhatIf, and makes no key for -WhatIf' {
        $oldHome = $env:HOME
        $env:HOME = Join-Path $script:scratch 'empty-home'
        New-Item -ItemType Directory -Path $env:HOME -Force | Out-Null
        try {
            New-RiverVps -WhatIf -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RiverSshPublicKeyNotFound,*'
            $problems[0].ErrorDetails.RecommendedAction | Should -BeLike '*-GenerateKey*'
            { New-RiverVps -Environment 'Bad Name' -NoSsh -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'RiverInvalidArgument,*'
            { New-RiverVps -Target 'gpu-a:x' -NoSsh -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'RiverInvalidArgument,*'
            New-RiverVps -GenerateKey -WhatIf | Should -BeNullOrEmpty
            Test-Path (Join-Path $env:HOME '.ssh') | Should -BeFalse
        }
        finally {
            $env:HOME = $oldHome
        }
    }

    It 'says RiverSshClientNotFound when there is no ssh to run' {
        $oldPath = $env:PATH
        $env:PATH = Join-Path $script:scratch 'no-programs-here'
        try {
            { Connect-RiverVps -TaskId 7205759403792793601 } | Should -Throw -ErrorId 'RiverSshClientNotFound,*'
        }
        finally {
            $env:PATH = $oldPath
        }
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
        $script:daemon = Start-RiverDaemon -Directory (Join-Path $script:scratch 'cluster') -NodeName 'pester-node' -Setting '--task-network', 'none'
        $script:hostPort = $script:daemon.HostPort
        $script:token = $script:daemon.Token
    }

    AfterAll {
        Stop-RiverDaemon $script:daemon
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
        $task = Submit-RiverTask 'echo hello from $KOHAKURIVER_TASK_ID' -Memory '64M' -Wait
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
        # -ErrorAction Continue: the stderr lines are collected whatever the caller's preference (the runner's is Stop).
        $lines = Receive-RiverTaskOutput -TaskId $task.TaskId -Wait -ErrorVariable stderr -ErrorAction Continue 2>$null
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

    It 'builds an environment on the host, publishes it and runs a task in it' {
        $envName = 'pester-env'
        $created = New-RiverEnvironment -Name $envName -Image kohakuriver/busybox:base
        $created.Environment | Should -Be $envName
        $created.Status | Should -Be 'running'
        $created.Versions | Should -Be 0

        $built = Invoke-RiverEnvironmentCommand -Name $envName 'echo built > /built; echo done'
        $built.ExitCode | Should -Be 0
        $built.Stdout | Should -Be "done`n"
        (Invoke-RiverEnvironmentCommand -Name $envName -ArgumentList 'cat', '/built').Stdout | Should -Be "built`n"

        # A failing command: the result is written, then the error, as for a native command.
        $failed = Invoke-RiverEnvironmentCommand -Name $envName 'echo out; echo why >&2; exit 3' -ErrorVariable problems -ErrorAction SilentlyContinue
        $failed.ExitCode | Should -Be 3
        $failed.Stdout | Should -Be "out`n"
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RiverEnvironmentCommandFailed,*'
        $problems[0].Exception.Message | Should -BeLike '*exited with 3*why*'
        { Invoke-RiverEnvironmentCommand -Name $envName 'exit 1' -ErrorAction Stop } | Should -Throw -ErrorId 'RiverEnvironmentCommandFailed,*'

        $published = Get-RiverEnvironment $envName | Publish-RiverEnvironment -Confirm:$false
        $published.Environment | Should -Be $envName
        $published.Timestamp | Should -BeGreaterThan 0
        $environment = Get-RiverEnvironment 'pester-*'
        $environment.Versions | Should -Be 1
        $environment.LatestTimestamp | Should -BeOfType [DateTimeOffset]
        $environment.LatestTimestamp.ToUnixTimeSeconds() | Should -Be $published.Timestamp

        # The environment object binds -Environment of Submit-RiverTask; the task shows its environment again.
        $task = $environment | Submit-RiverTask 'cat /built' -Wait
        $task.Environment | Should -Be $envName
        Receive-RiverTaskOutput -TaskId $task.TaskId | Should -Be 'built'
        ($task | Get-RiverEnvironment).Environment | Should -Be $envName

        $line = 'Submit-RiverTask x -Environment pester-'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $envName
    }

    It 'stops, starts and removes an environment''s container and then its published versions' {
        $envName = 'pester-env'
        (Stop-RiverEnvironment $envName -PassThru -Confirm:$false).Status | Should -Be 'exited'
        (Start-RiverEnvironment $envName -PassThru -Confirm:$false).Status | Should -Be 'running'

        $left = Remove-RiverEnvironment $envName -PassThru -Confirm:$false
        $left.HasContainer | Should -BeFalse
        $left.Versions | Should -Be 1

        Get-RiverEnvironment $envName | Remove-RiverEnvironment -Published -Confirm:$false
        Get-RiverEnvironment $envName -ErrorVariable missing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'RiverEnvironmentNotFound,*'
        Remove-RiverEnvironment $envName -Published -Confirm:$false -ErrorVariable gone -ErrorAction SilentlyContinue
        $gone[0].FullyQualifiedErrorId | Should -BeLike 'RiverEnvironmentNotFound,*'
    }

    It 'works from a scheduled job through the saved connection' {
        Connect-RiverCluster -Uri "127.0.0.1:$($script:hostPort)" -Token (ConvertTo-SecureString $script:token -AsPlainText -Force) -Save | Out-Null
        $child = @"
Import-Module '$($modulePath -replace "'", "''")'
(Get-RiverCluster).Source
(Get-RiverHealth).OnlineNodes
"@
        # pwsh by name: when pwsh is the .NET global tool, this process's own path is dotnet.
        $answer = & pwsh -NoProfile -NonInteractive -Command $child
        $answer | Should -Be @('ConfigFile', '1')
    }
}

Describe 'VPS against a one-machine cluster' -Skip:(-not $canRunVps) {
    BeforeAll {
        # Keys, known_hosts and the token file go under a home of the test's own.
        $script:oldHome = $env:HOME
        $env:HOME = Join-Path $script:scratch 'vps-home'
        New-Item -ItemType Directory -Path $env:HOME -Force | Out-Null

        # Its own daemon: a VPS publishes sshd's port, which needs the bridge network (the default).
        $script:vpsDaemon = Start-RiverDaemon -Directory (Join-Path $script:scratch 'vps-cluster') -NodeName 'pester-vps-node'
        $script:vpsHostPort = $script:vpsDaemon.HostPort
        $script:vpsToken = $script:vpsDaemon.Token
        $env:KOHAKURIVER_SSH_PROXY_PORT = "$($script:vpsDaemon.ProxyPort)"
    }

    AfterAll {
        Get-RiverVps -Active -ErrorAction Ignore | Stop-RiverVps -Confirm:$false -ErrorAction Ignore
        Stop-RiverDaemon $script:vpsDaemon
        $env:HOME = $script:oldHome
        Remove-Item Env:KOHAKURIVER_SSH_PROXY_PORT -ErrorAction Ignore
    }

    It 'creates a VPS with a key made here, saved owner-only and never written to the pipeline' {
        $script:vps = New-RiverVps -Environment sshd -GenerateKey -WaitSec 120 -Name 'pester-vps' -Confirm:$false
        $script:vps.Status | Should -Be 'Running'
        $script:vps.NodeName | Should -Be 'pester-vps-node'
        $script:vps.IdentityFile | Should -Be (Join-Path $env:HOME ".ssh/kohakuriver/vps-$($script:vps.TaskId)")
        (Get-Item -LiteralPath $script:vps.IdentityFile).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        Get-Content -LiteralPath $script:vps.IdentityFile -TotalCount 1 | Should -BeLike '-----BEGIN * PRIVATE KEY-----'
        ($script:vps.PSObject.Properties.Value | Out-String) | Should -Not -BeLike '*PRIVATE KEY*'

        ($script:vps | Get-RiverVps).TaskId | Should -Be $script:vps.TaskId
        (Get-RiverVps -Active).TaskId | Should -Contain $script:vps.TaskId
        ($script:vps | Get-RiverTask).Kind | Should -Be ([KohakuRiver.Core.Models.TaskKind]::Vps)
    }

    It 'runs a command over ssh through the proxy, with its output as strings and its exit code in $LASTEXITCODE' {
        $script:vps | Connect-RiverVps -Command 'echo hello from the vps' | Should -Be 'hello from the vps'
        $LASTEXITCODE | Should -Be 0
        Connect-RiverVps -TaskId $script:vps.TaskId -Command 'exit 3' | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 3
        # The host key was learned under the VPS's alias, in the module's own known_hosts (-F finds hashed entries too).
        & ssh-keygen -F "river-vps-$($script:vps.TaskId)" -f (Join-Path $env:HOME '.ssh/kohakuriver/known_hosts') | Should -Not -BeNullOrEmpty
    }

    It 'writes an ssh_config entry that plain ssh can use, with the token in an owner-only file' {
        $config = Join-Path $script:scratch 'ssh_config'
        $script:vps | Get-RiverVpsSshConfig | Set-Content -LiteralPath $config
        Get-Content -LiteralPath $config -Raw | Should -Not -BeLike "*$($script:vpsToken)*"
        $tokenFile = Join-Path (Split-Path $env:KOHAKURIVER_CLIENT_CONFIG) "tokens/127.0.0.1-$($script:vpsHostPort)"
        (Get-Content -LiteralPath $tokenFile) | Should -Be $script:vpsToken
        (Get-Item -LiteralPath $tokenFile).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')

        $answer = & ssh -F $config -o BatchMode=yes "river-vps-$($script:vps.TaskId)" 'echo via the config'
        $LASTEXITCODE | Should -Be 0
        $answer | Should -Be 'via the config'
    }

    It 'restarts a VPS with the same host key, and stops it' {
        $restarted = $script:vps | Restart-RiverVps -PassThru -Confirm:$false
        $restarted.Status | Should -Be 'Running'
        $restarted.SshPort | Should -Not -BeNullOrEmpty
        # The runner answers a restart once the container runs, not once sshd greets (unlike creation), so the
        # first login may come too early. accept-new would refuse a changed host key: the login succeeding under
        # the same alias shows the key was kept.
        Wait-Until -What 'a login after the restart' -Seconds 30 {
            (Connect-RiverVps $script:vps.TaskId -Command 'echo again' -ErrorAction Ignore 2>$null) -eq 'again'
        }

        $script:vps | Stop-RiverVps -Confirm:$false
        (Get-RiverVps $script:vps.TaskId).Status | Should -Be 'Stopped'
        Connect-RiverVps $script:vps.TaskId -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'RiverVpsStateConflict,*'
        Get-RiverVps -Active | Where-Object TaskId -eq $script:vps.TaskId | Should -BeNullOrEmpty
    }

    It 'reports a task that is not a VPS as RiverVpsNotFound' {
        $task = Submit-RiverTask 'true' -Wait
        Get-RiverVps -TaskId $task.TaskId -ErrorVariable notVps -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $notVps[0].FullyQualifiedErrorId | Should -BeLike 'RiverVpsNotFound,*'
    }
}
