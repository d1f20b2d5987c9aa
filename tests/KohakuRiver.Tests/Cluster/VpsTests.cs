using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Vps;
using KohakuRiver.Tests.Docker;
using KohakuRiver.Tests.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>VPS containers reached with the real OpenSSH client through the host's SSH proxy.</summary>
public sealed class VpsTests(DockerFixture docker) : IClassFixture<DockerFixture>, IDisposable
{
    private const string SshdEnvironment = "sshd";
    private readonly string _dir = ProcessRunner.TempDir();

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private async Task RequireSshdImageAsync()
    {
        docker.RequireDocker();
        var present = await docker.Client.InspectImageAsync("kohakuriver/sshd:base") is not null;
        if (!present && Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
            throw new InvalidOperationException("kohakuriver/sshd:base is missing: .ci/setup builds it");
        Assert.SkipUnless(present, "kohakuriver/sshd:base is missing (run .ci/setup)");
    }

    /// <summary>An ssh_config naming the VPS river-vps-ID, reached through the proxy by ProxyCommand.</summary>
    private string SshConfig(TestCluster c, long taskId, string identity, bool fdPassing = false)
    {
        var tokenFile = ProcessRunner.WritePrivate(Path.Combine(_dir, "token"), c.HostSettings.ApiToken!);
        var config = SshConfigEntry.Render("river-vps-" + taskId, "127.0.0.1", c.HostSettings.SshProxyPort, taskId, tokenFile,
            "root", identity, Path.Combine(_dir, "known_hosts"), fdPassing);
        var path = Path.Combine(_dir, $"config-{taskId}");
        File.WriteAllText(path, config);
        return path;
    }

    private static Task<ProcessRunner.Result> Ssh(string config, long id, string command, CancellationToken ct, string? stdin = null) =>
        ProcessRunner.RunAsync("ssh", ["-F", config, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", $"river-vps-{id}", command], ct, stdin);

    private string NewKey(string name, out string publicKey)
    {
        var pair = SshKeyPair.Generate("test");
        publicKey = pair.PublicKeyOpenSsh;
        return ProcessRunner.WritePrivate(Path.Combine(_dir, name), pair.PrivateKeyPem);
    }

    /// <summary>A running VPS in the sshd environment with a fresh uploaded key, and an ssh_config that reaches it.</summary>
    private async Task<(VpsCreateResponse Vps, string Config)> UploadedKeyVpsAsync(TestCluster c)
    {
        var identity = NewKey("id", out var pub);
        var vps = await CreateAsync(c, new VpsCreateRequest { ContainerName = SshdEnvironment, SshKeyMode = "upload", SshPublicKey = pub });
        return (vps, SshConfig(c, vps.TaskId, identity));
    }

    private static async Task<VpsCreateResponse> CreateAsync(TestCluster c, VpsCreateRequest r)
    {
        var vps = await c.Client.NewVpsAsync(r);
        Assert.True(vps.Status == RiverTaskStatus.Running, $"VPS not running: {vps.Status} {vps.Message}");
        Assert.NotNull(vps.SshPort);
        return vps;
    }

    [Fact]
    public async Task An_uploaded_key_reaches_the_vps_through_the_proxy_with_ssh_and_scp_both_ways()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(90);
        await using var cluster = await TestCluster.StartAsync();
        var identity = NewKey("id", out var pub);
        var vps = await CreateAsync(cluster, new VpsCreateRequest { ContainerName = SshdEnvironment, SshKeyMode = "upload", SshPublicKey = pub, RequiredCores = 1 });
        Assert.Null(vps.SshPrivateKey);
        Assert.Equal(cluster.NodeNames[0], vps.AssignedNode!.Hostname);

        var config = SshConfig(cluster, vps.TaskId, identity);
        var echo = await Ssh(config, vps.TaskId, "echo ok; echo $KOHAKURIVER_TASK_ID > /dev/null", cts.Token);
        Assert.True(echo.ExitCode == 0, echo.ToString());
        Assert.Equal("ok\n", echo.Stdout);

        var up = Path.Combine(_dir, "up.bin");
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        await File.WriteAllBytesAsync(up, payload, cts.Token);
        var put = await ProcessRunner.RunAsync("scp", ["-F", config, "-o", "BatchMode=yes", up, $"river-vps-{vps.TaskId}:/tmp/up.bin"], cts.Token);
        Assert.True(put.ExitCode == 0, put.ToString());
        var down = Path.Combine(_dir, "down.bin");
        var get = await ProcessRunner.RunAsync("scp", ["-F", config, "-o", "BatchMode=yes", $"river-vps-{vps.TaskId}:/tmp/up.bin", down], cts.Token);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(payload, await File.ReadAllBytesAsync(down, cts.Token));

        // The fd-passing ProxyCommand (python3 hands the proxied socket to ssh) reaches it too.
        var fdConfig = SshConfig(cluster, vps.TaskId, identity, fdPassing: true);
        Assert.Contains("ProxyUseFdpass yes", await File.ReadAllTextAsync(fdConfig, cts.Token));
        var fdCopy = Path.Combine(_dir, "fd.bin");
        var viaFd = await ProcessRunner.RunAsync("scp", ["-F", fdConfig, "-o", "BatchMode=yes", $"river-vps-{vps.TaskId}:/tmp/up.bin", fdCopy], cts.Token);
        Assert.True(viaFd.ExitCode == 0, viaFd.ToString());
        Assert.Equal(payload, await File.ReadAllBytesAsync(fdCopy, cts.Token));

        // The VPS holds its core while it lives.
        Assert.Equal(1, (await cluster.Client.GetNodesAsync(cts.Token)).Single().CoresInUse);
        Assert.Contains(await cluster.Client.GetVpsAsync(activeOnly: true, cts.Token), t => t.TaskId == vps.TaskId);
    }

    [Fact]
    public async Task A_generated_key_is_returned_once_and_works_through_the_loopback_forwarder()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(90);
        await using var cluster = await TestCluster.StartAsync();
        var vps = await CreateAsync(cluster, new VpsCreateRequest { ContainerName = SshdEnvironment, SshKeyMode = "generate" });
        Assert.Contains("PRIVATE KEY", vps.SshPrivateKey);
        var stored = await cluster.Client.GetTaskAsync(vps.TaskId, cts.Token);
        Assert.Equal(vps.SshPublicKey, stored.Internals.SshPublicKey);
        Assert.DoesNotContain("PRIVATE", System.Text.Json.JsonSerializer.Serialize(stored));

        var identity = ProcessRunner.WritePrivate(Path.Combine(_dir, "generated"), vps.SshPrivateKey!);
        await using var forwarder = new SshLoopbackForwarder("127.0.0.1", cluster.HostSettings.SshProxyPort, vps.TaskId, cluster.HostSettings.ApiToken!);
        var r = await ProcessRunner.RunAsync("ssh", ["-p", forwarder.Port.ToString(), "-i", identity, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", $"HostKeyAlias={SshConfigEntry.HostKeyAlias(vps.TaskId)}", "-o", $"UserKnownHostsFile={Path.Combine(_dir, "kh")}",
            "-o", "StrictHostKeyChecking=accept-new", "root@127.0.0.1", "echo generated-ok"], cts.Token);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("generated-ok\n", r.Stdout);
    }

    [Fact]
    public async Task Wrong_token_unknown_id_plain_tasks_and_stopped_vps_get_an_error_line()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(90);
        await using var cluster = await TestCluster.StartAsync();
        NewKey("id", out var pub);
        var vps = await CreateAsync(cluster, new VpsCreateRequest { ContainerName = SshdEnvironment, SshKeyMode = "upload", SshPublicKey = pub });
        var port = cluster.HostSettings.SshProxyPort;
        var token = cluster.HostSettings.ApiToken!;

        async Task<string> Refusal(long id, string tok) =>
            (await Assert.ThrowsAsync<SshTunnelException>(() => SshTunnel.OpenAsync("127.0.0.1", port, id, tok, cts.Token))).Message;

        Assert.Contains("token", await Refusal(vps.TaskId, "wrong-token"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", await Refusal(987654321, token));
        var task = await cluster.RunAsync(new SubmitRequest { Command = "true" });
        Assert.Contains("not a VPS", await Refusal(task.TaskId, token));

        // The right token and a running VPS do open a tunnel: sshd greets.
        await using (var tunnel = await SshTunnel.OpenAsync("127.0.0.1", port, vps.TaskId, token, cts.Token))
        {
            var banner = new byte[4];
            await tunnel.ReadExactlyAsync(banner, cts.Token);
            Assert.Equal("SSH-", System.Text.Encoding.ASCII.GetString(banner));
        }

        await cluster.Client.StopVpsAsync(vps.TaskId, cts.Token);
        Assert.Contains("stopped", await Refusal(vps.TaskId, token));
    }

    [Fact]
    public async Task Stop_removes_the_container_and_frees_its_resources()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(90);
        await using var cluster = await TestCluster.StartAsync();
        NewKey("id", out var pub);
        var vps = await CreateAsync(cluster, new VpsCreateRequest { ContainerName = SshdEnvironment, SshKeyMode = "upload", SshPublicKey = pub, RequiredCores = 2, RequiredMemoryBytes = 256L << 20 });
        var node = (await cluster.Client.GetNodesAsync(cts.Token)).Single();
        Assert.Equal((2, 256L << 20), (node.CoresInUse, node.MemoryReservedBytes));
        Assert.NotNull(await docker.Client.InspectContainerAsync(VpsContainerSpec.ContainerName(vps.TaskId), cts.Token));

        await cluster.Client.StopVpsAsync(vps.TaskId, cts.Token);

        Assert.Equal(RiverTaskStatus.Stopped, (await cluster.Client.GetTaskAsync(vps.TaskId, cts.Token)).Status);
        node = (await cluster.Client.GetNodesAsync(cts.Token)).Single();
        Assert.Equal((0, 0L), (node.CoresInUse, node.MemoryReservedBytes));
        await Eventually.TrueAsync(async () => await docker.Client.InspectContainerAsync(VpsContainerSpec.ContainerName(vps.TaskId)) is null,
            TimeSpan.FromSeconds(20), "VPS container removed");
        Assert.DoesNotContain(await cluster.Client.GetVpsAsync(activeOnly: true, cts.Token), t => t.TaskId == vps.TaskId);
        Assert.Contains(await cluster.Client.GetVpsAsync(activeOnly: false, cts.Token), t => t.TaskId == vps.TaskId);
    }

    [Fact]
    public async Task Restart_keeps_the_same_key_working_and_password_login_refused()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(120);
        await using var cluster = await TestCluster.StartAsync();
        var (vps, config) = await UploadedKeyVpsAsync(cluster);
        Assert.Equal(0, (await Ssh(config, vps.TaskId, "touch /root/survives", cts.Token)).ExitCode);

        var restarted = await cluster.Client.RestartVpsAsync(vps.TaskId, cts.Token);
        Assert.NotNull(restarted.SshPort);
        // Clients find the proxy from the host's health.
        Assert.Equal(cluster.HostSettings.SshProxyPort, (await cluster.Client.GetHealthAsync(cts.Token)).SshProxyPort);
        var found = await KohakuRiver.Core.Vps.SshProxyAddress.ResolveAsync(cluster.Client, cluster.HostUri, null, _ => null, cts.Token);
        Assert.Equal(("127.0.0.1", cluster.HostSettings.SshProxyPort), (found.Host, found.Port));
        // The restart answered once sshd greets: a login right away works.
        Assert.Equal(restarted.SshPort, (await cluster.Client.GetTaskAsync(vps.TaskId, cts.Token)).SshPort);

        var after = await Ssh(config, vps.TaskId, "ls /root/survives", cts.Token);
        Assert.True(after.ExitCode == 0, after.ToString());
        var password = await ProcessRunner.RunAsync("ssh", ["-F", config, "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
            "-o", "PreferredAuthentications=password,keyboard-interactive", $"river-vps-{vps.TaskId}", "true"], cts.Token);
        Assert.NotEqual(0, password.ExitCode);
        Assert.Contains("Permission denied (publickey)", password.Stderr);
    }

    [Fact]
    public async Task A_vps_whose_sshd_dies_is_restarted_by_the_engine_and_reachable_again()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(120);
        await using var cluster = await TestCluster.StartAsync();
        var (vps, config) = await UploadedKeyVpsAsync(cluster);
        var name = VpsContainerSpec.ContainerName(vps.TaskId);
        var startedBefore = (await docker.Client.InspectContainerAsync(name, cts.Token))!.State!.StartedAt;

        // sshd is the container's main process: ending it ends the container, and the restart policy brings it back.
        await docker.Client.RunExecAsync(name, ["sh", "-c", "kill 1"], cts.Token);

        await Eventually.TrueAsync(async () => (await docker.Client.InspectContainerAsync(name))!.State is { Running: true } s && s.StartedAt != startedBefore,
            TimeSpan.FromSeconds(30), "container restarted by the engine");
        await Eventually.TrueAsync(async () => (await Ssh(config, vps.TaskId, "echo back", cts.Token)).Stdout == "back\n",
            TimeSpan.FromSeconds(30), "ssh works again after the restart");
        var t = await cluster.Client.GetTaskAsync(vps.TaskId, cts.Token);
        Assert.Equal(RiverTaskStatus.Running, t.Status);
        Assert.Equal(VpsContainerSpec.PublishedSshPort(await docker.Client.InspectContainerAsync(name, cts.Token)), t.SshPort);
    }

    [Fact]
    public async Task Ten_concurrent_ssh_sessions_all_succeed()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(120);
        await using var cluster = await TestCluster.StartAsync();
        var (vps, config) = await UploadedKeyVpsAsync(cluster);
        // One session first, so that the host key is recorded once rather than raced by ten.
        Assert.Equal(0, (await Ssh(config, vps.TaskId, "true", cts.Token)).ExitCode);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Ssh(config, vps.TaskId, $"echo session-{i}", cts.Token)));

        for (var i = 0; i < 10; i++)
        {
            Assert.True(results[i].ExitCode == 0, results[i].ToString());
            Assert.Equal($"session-{i}\n", results[i].Stdout);
        }
    }

    [Fact]
    public async Task Runner_and_host_restarts_keep_the_vps_running_and_reachable()
    {
        await RequireSshdImageAsync();
        using var cts = DockerFixture.Timeout(120);
        await using var cluster = await TestCluster.StartAsync();
        var (vps, config) = await UploadedKeyVpsAsync(cluster);
        Assert.Equal(0, (await Ssh(config, vps.TaskId, "echo $$ > /root/pid", cts.Token)).ExitCode);
        var node = cluster.NodeNames[0];

        await cluster.StopRunnerAsync(node);
        Assert.True((await docker.Client.InspectContainerAsync(VpsContainerSpec.ContainerName(vps.TaskId), cts.Token))!.State!.Running);
        await cluster.StartRunnerAsync(node);
        await cluster.RestartHostAsync();

        var after = await Ssh(config, vps.TaskId, "cat /root/pid >/dev/null && echo still-here", cts.Token);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("still-here\n", after.Stdout);
        Assert.Equal(RiverTaskStatus.Running, (await cluster.Client.GetTaskAsync(vps.TaskId, cts.Token)).Status);
    }

    [Fact]
    public async Task An_image_without_sshd_fails_the_vps_with_a_clear_message_and_bad_keys_are_refused()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout(60);
        await using var cluster = await TestCluster.StartAsync();
        NewKey("id", out var pub);
        var failed = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewVpsAsync(new VpsCreateRequest { SshKeyMode = "upload", SshPublicKey = pub }, cts.Token));
        Assert.Equal(422, (int)failed.StatusCode!);
        Assert.Contains("has no sshd", failed.Detail);
        // The error still names the task: the client's VpsCreation turns it into a failure naming the VPS.
        var named = await Assert.ThrowsAsync<KohakuRiver.Core.Vps.VpsCreationFailedException>(() =>
            KohakuRiver.Core.Vps.VpsCreation.CreateAsync(cluster.Client, new VpsCreateRequest { SshKeyMode = "upload", SshPublicKey = pub }, cts.Token));
        Assert.Contains("no sshd", named.Message);
        var t = (await cluster.Client.GetVpsAsync(false, cts.Token)).First();
        Assert.Equal(RiverTaskStatus.Failed, t.Status);
        Assert.Contains("no sshd", t.ErrorMessage);

        foreach (var (mode, key) in new[] { ("upload", "not a key"), ("upload", $"command=\"rm -rf /\" {pub}"), ("upload", pub + "\nssh-rsa AAAA"), ("none", (string?)null), ("upload", null) })
        {
            var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewVpsAsync(new VpsCreateRequest { SshKeyMode = mode, SshPublicKey = key }, cts.Token));
            Assert.Equal(RiverErrorKind.InvalidArgument, e.Kind);
        }

        // Without SSH a VPS runs in any image.
        var plain = await cluster.Client.NewVpsAsync(new VpsCreateRequest { SshKeyMode = "disabled" }, cts.Token);
        Assert.Equal(RiverTaskStatus.Running, plain.Status);
        Assert.Null(plain.SshPort);
    }
}
