using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Vps;
using KohakuRiver.Tests.Host;
using Xunit;

namespace KohakuRiver.Tests.Core;

/// <summary>
/// Connect-RiverVps's run of ssh, with a bash script standing in for ssh (it reads -p, talks to the forwarder with
/// /dev/tcp and prints what came back) and a one-connection fake of the host's SSH proxy that echoes after SUCCESS.
/// </summary>
public sealed class VpsSshSessionTests
{
    private const long Id = 42;
    private const string Token = "session-token";

    private static CancellationTokenSource Deadline()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        return cts;
    }

    /// <summary>A fake ssh: records its arguments (one per line) and its pid, then runs <paramref name="body"/> with
    /// $port set to the -p argument.</summary>
    private static string FakeSsh(TempDir dir, string body)
    {
        var path = dir.Combine("ssh");
        File.WriteAllText(path, $$"""
            #!/bin/bash
            printf '%s\n' "$@" > '{{dir.Combine("args")}}'
            echo $$ > '{{dir.Combine("pid")}}'
            port=
            while [ $# -gt 0 ]; do case "$1" in -p) port=$2; shift 2;; *) shift;; esac; done
            {{body}}
            """.Replace("\r\n", "\n"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static VpsSshSessionOptions Options(TempDir dir, string ssh, int proxyPort, string? command = null) => new()
    {
        SshPath = ssh,
        Proxy = new SshProxyAddress("127.0.0.1", proxyPort),
        TaskId = Id,
        Token = Token,
        User = "dev",
        KnownHostsFile = dir.Combine("keys", "known_hosts"),
        RemoteCommand = command,
    };

    [Fact]
    public async Task With_a_command_ssh_reaches_the_VPS_through_the_forwarder_and_its_stdout_comes_back_line_by_line()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        using var cts = Deadline();
        await using var proxy = new FakeProxy("SUCCESS");
        var ssh = FakeSsh(dir, """
            exec 3<>/dev/tcp/127.0.0.1/$port
            echo hello-vps >&3
            IFS= read -r line <&3
            echo "got: $line"
            echo "second line"
            exit 7
            """);
        var lines = new List<string>();

        var result = await VpsSshSession.RunAsync(Options(dir, ssh, proxy.Port, "uname -a"), line =>
        {
            lines.Add(line);
            return ValueTask.CompletedTask;
        }, cts.Token);

        Assert.Equal(["got: hello-vps", "second line"], lines);
        Assert.Equal(7, result.ExitCode);
        Assert.Null(result.Failure);
        Assert.Equal($"REQUEST_TUNNEL {Id} {Token}", await proxy.Request.WaitAsync(cts.Token));
        var args = File.ReadAllLines(dir.Combine("args"));
        Assert.Equal(result.Arguments, args);
        Assert.Equal(["dev@127.0.0.1", "uname -a"], args[^2..]);
        Assert.Contains($"UserKnownHostsFile={dir.Combine("keys", "known_hosts")}", args);
        Assert.True(Directory.Exists(dir.Combine("keys")));
        // The forwarder lived exactly as long as ssh: its port is closed now.
        var port = int.Parse(args[Array.IndexOf(args, "-p") + 1], System.Globalization.CultureInfo.InvariantCulture);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token).AsTask());
    }

    [Fact]
    public async Task When_the_proxy_refuses_ssh_fails_with_255_and_the_proxys_reason_is_the_failure()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        using var cts = Deadline();
        await using var proxy = new FakeProxy("ERROR no VPS with task id 42");
        var ssh = FakeSsh(dir, """
            exec 3<>/dev/tcp/127.0.0.1/$port
            IFS= read -r line <&3 || exit 255
            exit 0
            """);

        var result = await VpsSshSession.RunAsync(Options(dir, ssh, proxy.Port), null, cts.Token);

        Assert.Equal(VpsSshSessionResult.SshFailure, result.ExitCode);
        var failure = Assert.IsType<SshTunnelException>(result.Failure);
        Assert.True(failure.RefusedByProxy);
        Assert.Equal("no VPS with task id 42", failure.Message);
    }

    [Fact]
    public async Task Stopping_kills_ssh_and_closes_the_forwarder()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        using var cts = Deadline();
        await using var proxy = new FakeProxy("SUCCESS");
        var ssh = FakeSsh(dir, """
            exec 3<>/dev/tcp/127.0.0.1/$port
            echo connected >&3
            sleep 600
            """);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);

        var run = VpsSshSession.RunAsync(Options(dir, ssh, proxy.Port), null, stop.Token);
        await proxy.Request.WaitAsync(cts.Token);
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var pid = File.ReadAllText(dir.Combine("pid")).Trim();
        Assert.False(Directory.Exists("/proc/" + pid), $"ssh (pid {pid}) was killed");
    }

    /// <summary>Answers the first connection's request line with <c>answer</c>, then (after SUCCESS) echoes.</summary>
    private sealed class FakeProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource<string> _request = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _serve;

        public FakeProxy(string answer)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _serve = ServeAsync(answer);
        }

        public int Port { get; }

        /// <summary>The request line the forwarder sent.</summary>
        public Task<string> Request => _request.Task;

        private async Task ServeAsync(string answer)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var line = new StringBuilder();
                var one = new byte[1];
                while (await stream.ReadAsync(one, _stop.Token) == 1 && one[0] != '\n') line.Append((char)one[0]);
                _request.TrySetResult(line.ToString());
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer + "\n"), _stop.Token);
                if (answer != "SUCCESS") return;
                var buffer = new byte[4096];
                int n;
                while ((n = await stream.ReadAsync(buffer, _stop.Token)) > 0) await stream.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                _request.TrySetException(e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _serve;
            _stop.Dispose();
        }
    }
}
