# Helpers of the Pester files that run a one-machine cluster: dot-source it (it is not a test file itself).

function Get-RiverDaemonPath {
    $configuration = if ($env:KOHAKURIVER_CONFIGURATION) { $env:KOHAKURIVER_CONFIGURATION } else { 'Release' }
    Join-Path (Split-Path -Parent $PSScriptRoot) "KohakuRiver.Daemon/bin/$configuration/net10.0/kohakuriver-daemon.dll"
}

# Whether the cluster tests can run here: the built daemon, a Docker engine with kohakuriver/busybox:base, and for a
# VPS the sshd image and an ssh client to log in with. Without them they are skipped, except in CI
# (KOHAKURIVER_REQUIRE_DOCKER=1), where anything missing is an error.
function Test-ClusterPrerequisite([switch] $Vps) {
    $missing = @()
    $daemon = Get-RiverDaemonPath
    if (-not (Test-Path -LiteralPath $daemon)) { $missing += "the daemon ($daemon; build first)" }
    $images = @('kohakuriver/busybox:base') + $(if ($Vps) { 'kohakuriver/sshd:base' })
    if (-not (Get-Command docker -ErrorAction Ignore)) { $missing += 'the docker client' }
    else {
        foreach ($image in $images) {
            docker image inspect $image *> $null
            if ($LASTEXITCODE -ne 0) { $missing += "the image $image (bash .ci/setup builds it; is the Docker engine running?)" }
        }
    }
    if ($Vps -and -not (Get-Command ssh -ErrorAction Ignore)) { $missing += 'an ssh client' }
    if ($missing -and $env:KOHAKURIVER_REQUIRE_DOCKER -eq '1') {
        throw "KOHAKURIVER_REQUIRE_DOCKER=1 but the cluster tests cannot run without: $($missing -join '; ')"
    }
    $missing.Count -eq 0
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Polls until $Condition holds; with -Daemon it gives up as soon as that daemon has exited, showing its stderr.
function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60, [string] $What = 'condition', $Daemon) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while (-not (& $Condition)) {
        if ($Daemon -and $Daemon.Process.HasExited) {
            $log = Get-Content -LiteralPath $Daemon.ErrorLog -TotalCount 5 -ErrorAction Ignore
            throw "the daemon exited with $($Daemon.Process.ExitCode) while waiting for $What; its stderr begins:`n$($log -join "`n")"
        }
        if ([DateTime]::UtcNow -gt $deadline) { throw "timed out after $Seconds s waiting for $What" }
        Start-Sleep -Milliseconds 200
    }
}

# Starts `kohakuriver-daemon standalone` with its state in $Directory and every port it listens on a free one (the SSH
# proxy's too: its default, 8002, may belong to anything else running here, such as bash .ci/standalone or another
# test run). Returns once the host answers and the node is online, with the session connected to it.
function Start-RiverDaemon([string] $Directory, [string] $NodeName, [string[]] $Setting = @()) {
    $daemon = [pscustomobject]@{
        HostPort = Get-FreePort; ProxyPort = Get-FreePort; Token = 'pester-' + [guid]::NewGuid().ToString('N')
        Process = $null; ErrorLog = "$Directory.err"; NodeName = $NodeName
    }
    $arguments = @(
        (Get-RiverDaemonPath), 'standalone', '--host-port', $daemon.HostPort, '--runner-port', (Get-FreePort),
        '--ssh-proxy-port', $daemon.ProxyPort, '--host-bind-address', '127.0.0.1', '--data-dir', "$Directory/data",
        '--shared-dir', "$Directory/shared", '--local-temp-dir', "$Directory/local", '--runner-hostname', $NodeName,
        '--api-token', $daemon.Token, '--cluster-token', 'pester-cluster', '--log-level', 'Warning') + $Setting
    $daemon.Process = Start-Process -FilePath dotnet -ArgumentList $arguments -PassThru `
        -RedirectStandardOutput "$Directory.out" -RedirectStandardError $daemon.ErrorLog
    # Connection failures are terminating errors (nothing later could succeed), hence try/catch while it starts.
    Wait-Until -Daemon $daemon -What "the host ($Directory) to answer" {
        try { Connect-RiverCluster -Uri "127.0.0.1:$($daemon.HostPort)" -Token (ConvertTo-SecureString $daemon.Token -AsPlainText -Force) | Out-Null; $true } catch { $false }
    }
    Wait-Until -Daemon $daemon -What "the node $NodeName to be online" {
        try { (Get-RiverNode).Status -contains 'Online' } catch { $false }
    }
    $daemon
}

function Stop-RiverDaemon($Daemon) {
    if ($Daemon -and $Daemon.Process -and -not $Daemon.Process.HasExited) { Stop-Process -Id $Daemon.Process.Id -Force }
    # Killed, the runner leaves behind the containers it had not removed yet (a task stopped a moment before): remove
    # this daemon's node's containers, and nothing else.
    if ($Daemon -and $Daemon.NodeName) {
        $left = docker ps -aq --filter "label=kohakuriver.node=$($Daemon.NodeName)"
        if ($left) { docker rm -f $left *> $null }
    }
}
