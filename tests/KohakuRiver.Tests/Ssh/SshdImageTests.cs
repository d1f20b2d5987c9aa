using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Host.SshProxy;
using KohakuRiver.Daemon.Runner.Vps;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

/// <summary>
/// The sshd image built by .ci/setup, driven the way the runner will (key put through the archive API,
/// host keys made at start) and reached with the real ssh and scp: directly, through the proxy with the
/// generated ssh_config entry, and through the loopback forwarder.
/// </summary>
public sealed class SshdImageTests(DockerFixture docker) : IClassFixture<DockerFixture>, IDisposable
{
    public const string SshdImage = "kohakuriver/sshd:base";

    // What the runner will run: per-container host keys, then sshd in the foreground logging to stderr.
    private static readonly List<string> SshdCommand =
        ["sh", "-c", "ssh-keygen -A >/dev/null && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e"];

    private readonly string _dir = ProcessRunner.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Key_login_works_scp_copies_both_ways_and_passwords_are_refused()
    {
        using var cts = DockerFixture.Timeout(60);
        await RequireSshdImageAsync(cts.Token);
        var key = SshKeyPair.Generate("sshd-image-test");
        string keyFile = ProcessRunner.WritePrivate(Path.Combine(_dir, "id_rsa"), key.PrivateKeyPem);
        string? id = null;
        try
        {
            (id, int port) = await StartSshdAsync(key.PublicKeyOpenSsh, cts.Token);
            string[] common = ["-F", "/dev/null", "-i", keyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes"];

            var echo = await ProcessRunner.RunAsync("ssh", [.. common, "-p", $"{port}", "root@127.0.0.1", "echo ok"], cts.Token);
            Assert.True(echo.ExitCode == 0, echo.ToString());
            Assert.Equal("ok\n", echo.Stdout);

            // scp speaks SFTP in OpenSSH 9, so this exercises sftp-server too.
            string up = Path.Combine(_dir, "up.bin"), down = Path.Combine(_dir, "down.bin");
            var payload = SshProxyServerTests.RandomNumberGeneratorBytes(300_000);
            await File.WriteAllBytesAsync(up, payload, cts.Token);
            var put = await ProcessRunner.RunAsync("scp", [.. common, "-P", $"{port}", up, "root@127.0.0.1:/tmp/payload"], cts.Token);
            Assert.True(put.ExitCode == 0, put.ToString());
            var get = await ProcessRunner.RunAsync("scp", [.. common, "-P", $"{port}", "root@127.0.0.1:/tmp/payload", down], cts.Token);
            Assert.True(get.ExitCode == 0, get.ToString());
            Assert.Equal(payload, await File.ReadAllBytesAsync(down, cts.Token));

            var password = await ProcessRunner.RunAsync("ssh",
                ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                 "-o", "PubkeyAuthentication=no", "-p", $"{port}", "root@127.0.0.1", "true"], cts.Token);
            Assert.Equal(255, password.ExitCode);
            // The server offers public key authentication only: no password, no keyboard-interactive.
            Assert.Contains("Permission denied (publickey).", password.Stderr);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task A_different_key_is_refused()
    {
        using var cts = DockerFixture.Timeout(60);
        await RequireSshdImageAsync(cts.Token);
        string keyFile = ProcessRunner.WritePrivate(Path.Combine(_dir, "other"), SshKeyPair.Generate().PrivateKeyPem);
        string? id = null;
        try
        {
            (id, int port) = await StartSshdAsync(SshKeyPair.Generate().PublicKeyOpenSsh, cts.Token);

            var result = await ProcessRunner.RunAsync("ssh",
                ["-F", "/dev/null", "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                 "-o", "UserKnownHostsFile=/dev/null", "-p", $"{port}", "root@127.0.0.1", "echo ok"], cts.Token);

            Assert.Equal(255, result.ExitCode);
            Assert.Contains("Permission denied (publickey).", result.Stderr);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task The_generated_ssh_config_entry_and_the_loopback_forwarder_reach_the_VPS_through_the_proxy()
    {
        using var cts = DockerFixture.Timeout(90);
        await RequireSshdImageAsync(cts.Token);
        var key = SshKeyPair.Generate("proxy-test");
        string keyFile = ProcessRunner.WritePrivate(Path.Combine(_dir, "id_rsa"), key.PrivateKeyPem);
        string tokenFile = ProcessRunner.WritePrivate(Path.Combine(_dir, "token"), ProxyHarness.Token + "\n");
        string knownHosts = Path.Combine(_dir, "known_hosts");
        string? id = null;
        await using var h = await ProxyHarness.StartAsync();
        try
        {
            (id, int sshPort) = await StartSshdAsync(key.PublicKeyOpenSsh, cts.Token);
            h.Resolver.Targets[ProxyHarness.VpsId] = SshTargetResult.Success("127.0.0.1", sshPort);
            string config = Path.Combine(_dir, "config");
            await File.WriteAllTextAsync(config, SshConfigEntry.Render("river-vps", "127.0.0.1", h.Port, ProxyHarness.VpsId,
                tokenFile, "root", keyFile, knownHosts), cts.Token);

            var viaConfig = await ProcessRunner.RunAsync("ssh", ["-F", config, "-o", "BatchMode=yes", "river-vps", "echo via-config"],
                cts.Token);
            Assert.True(viaConfig.ExitCode == 0, viaConfig.ToString());
            Assert.Equal("via-config\n", viaConfig.Stdout);
            // accept-new recorded the host key under the alias, so the next login checks it.
            Assert.StartsWith("river-vps-42 ", File.ReadAllLines(knownHosts).First());

            string up = Path.Combine(_dir, "up.txt"), down = Path.Combine(_dir, "down.txt");
            await File.WriteAllTextAsync(up, "through the proxy\n", cts.Token);
            var put = await ProcessRunner.RunAsync("scp", ["-F", config, "-o", "BatchMode=yes", up, "river-vps:/tmp/x"], cts.Token);
            Assert.True(put.ExitCode == 0, put.ToString());
            var get = await ProcessRunner.RunAsync("scp", ["-F", config, "-o", "BatchMode=yes", "river-vps:/tmp/x", down], cts.Token);
            Assert.True(get.ExitCode == 0, get.ToString());
            Assert.Equal("through the proxy\n", await File.ReadAllTextAsync(down, cts.Token));

            // stdin end-of-file must travel through the proxy for `wc -c` to finish.
            var piped = await ProcessRunner.RunAsync("ssh", ["-F", config, "-o", "BatchMode=yes", "river-vps", "wc -c"], cts.Token,
                stdin: new string('x', 100_000));
            Assert.True(piped.ExitCode == 0, piped.ToString());
            Assert.Equal("100000", piped.Stdout.Trim());

            await using var forwarder = new SshLoopbackForwarder("127.0.0.1", h.Port, ProxyHarness.VpsId, ProxyHarness.Token);
            var viaForwarder = await ProcessRunner.RunAsync("ssh",
                ["-F", "/dev/null", "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                 "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-p", $"{forwarder.Port}", "root@127.0.0.1", "echo via-forwarder"],
                cts.Token);
            Assert.True(viaForwarder.ExitCode == 0, viaForwarder.ToString());
            Assert.Equal("via-forwarder\n", viaForwarder.Stdout);
            Assert.Null(forwarder.LastError);

            await SshProxyServerTests.WaitUntilAsync(() => h.Proxy.ActiveSessions == 0, cts.Token);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    // ---------------------------------------------------------------- helpers

    private async Task RequireSshdImageAsync(CancellationToken ct)
    {
        docker.RequireDocker();
        if (await docker.Client.InspectImageAsync(SshdImage, ct) is not null) return;
        string reason = $"Image {SshdImage} is missing (run .ci/setup to build it).";
        if (Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
            Assert.Fail($"{DockerFixture.RequireEnvironmentVariable}=1 but: {reason}");
        Assert.Skip(reason);
    }

    /// <summary>Creates the VPS container, puts the key in before its first start, starts it and waits for sshd's banner.</summary>
    private async Task<(string Id, int Port)> StartSshdAsync(string publicKey, CancellationToken ct)
    {
        string id = await docker.Client.CreateContainerAsync(DockerFixture.UniqueName(), new ContainerSpec
        {
            Image = SshdImage,
            Cmd = SshdCommand,
            ExposedPorts = ["22/tcp"],
            HostConfig = new HostConfigSpec
            {
                PortBindings = new() { ["22/tcp"] = [new PortBindingSpec { HostIp = "127.0.0.1", HostPort = "" }] },
            },
        }, ct);
        try
        {
            Assert.True(await docker.Client.PathExistsAsync(id, "/usr/sbin/sshd", ct));
            Assert.False(await docker.Client.PathExistsAsync(id, "/root/.ssh", ct));
            using (var tar = AuthorizedKeysArchive.Build(publicKey))
                await docker.Client.PutArchiveAsync(id, AuthorizedKeysArchive.ExtractAt, tar, ct);
            await docker.Client.StartContainerAsync(id, ct);

            var inspect = await docker.Client.InspectContainerAsync(id, ct);
            int port = inspect!.PublishedPorts["22/tcp"];
            await WaitForBannerAsync(id, port, ct);
            return (id, port);
        }
        catch
        {
            await docker.RemoveQuietlyAsync(id);
            throw;
        }
    }

    // docker-proxy accepts on the published port before sshd listens and then drops the connection, so
    // "connected" proves nothing: wait for sshd's own identification line.
    private async Task WaitForBannerAsync(string id, int port, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                var buffer = new byte[4];
                using var read = CancellationTokenSource.CreateLinkedTokenSource(ct);
                read.CancelAfter(TimeSpan.FromSeconds(2));
                int n = await s.ReceiveAsync(buffer, SocketFlags.None, read.Token);
                if (n > 0 && Encoding.ASCII.GetString(buffer, 0, n).StartsWith("SSH", StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                var logs = new MemoryStream();
                await docker.Client.CopyLogsAsync(id, logs, logs, follow: false, ct);
                Assert.Fail($"sshd did not answer on port {port} within 20 s; container log:\n{Encoding.UTF8.GetString(logs.ToArray())}");
            }
            await Task.Delay(50, ct);
        }
    }
}
