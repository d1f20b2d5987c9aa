using KohakuRiver.Core.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

public sealed class SshConfigEntryTests : IDisposable
{
    private readonly string _dir = ProcessRunner.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationTokenSource Deadline(int seconds = 20)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts;
    }

    [Fact]
    public void The_block_has_the_expected_lines()
    {
        string text = SshConfigEntry.Render("river-42", "cluster.example", 8002, 42, "/home/u/.kohakuriver/token", "root",
            "/home/u/.ssh/id_river", "/home/u/.kohakuriver/known_hosts");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Host river-42", lines[0]);
        Assert.Contains("    User root", lines);
        Assert.Contains("    HostKeyAlias river-vps-42", lines);
        Assert.Contains("    UserKnownHostsFile /home/u/.kohakuriver/known_hosts", lines);
        Assert.Contains("    StrictHostKeyChecking accept-new", lines);
        Assert.Contains("    IdentityFile /home/u/.ssh/id_river", lines);
        Assert.Contains("    IdentitiesOnly yes", lines);
        Assert.Contains(
            "    ProxyCommand bash -c 'exec 3<>/dev/tcp/cluster.example/8002 && printf \"REQUEST_TUNNEL %%s %%s\\n\" 42 "
            + "\"$(cat \"/home/u/.kohakuriver/token\")\" >&3 && IFS= read -r -t 10 l <&3 && [ \"$l\" = SUCCESS ] || "
            + "{ echo \"kohakuriver: ${l:-no tunnel through the SSH proxy at cluster.example:8002}\" >&2; exit 1; }; "
            + "cat <&3 & trap \"kill $! 2>/dev/null\" EXIT HUP TERM; cat >&3'",
            lines);
    }

    [Fact]
    public void Without_an_identity_file_ssh_picks_its_own_keys()
    {
        string text = SshConfigEntry.Render("vps", "10.0.0.1", 8002, 7, "/t", "root", null, "/k");

        Assert.DoesNotContain("IdentityFile", text);
        Assert.DoesNotContain("IdentitiesOnly", text);
    }

    [Theory]
    [InlineData("alias", "bad alias\n  ProxyCommand evil")]
    [InlineData("alias", "a b")]
    [InlineData("alias", "*")]
    [InlineData("alias", "")]
    [InlineData("alias", "ok\n")]
    [InlineData("host", "evil.example/9/x")]
    [InlineData("host", "host name")]
    [InlineData("host", "h'; rm -rf ~; '")]
    [InlineData("host", "h\n  ProxyCommand evil")]
    [InlineData("user", "root\n  ProxyCommand evil")]
    [InlineData("user", "ro ot")]
    [InlineData("tokenFile", "relative/token")]
    [InlineData("tokenFile", "/tmp/t'$(evil)'")]
    [InlineData("tokenFile", "/tmp/t\"x")]
    [InlineData("tokenFile", "/tmp/%d")]
    [InlineData("tokenFile", "/tmp/t\n  ProxyCommand evil")]
    [InlineData("identity", "/tmp/id\nProxyCommand evil")]
    [InlineData("identity", "~/.ssh/id")]
    [InlineData("known", "/tmp/k\" \"/etc/other")]
    [InlineData("known", "/tmp/$HOME")]
    public void Inputs_that_could_inject_config_or_shell_are_refused(string field, string value)
    {
        string alias = "vps", host = "127.0.0.1", user = "root", token = "/t", known = "/k";
        string? identity = null;
        switch (field)
        {
            case "alias": alias = value; break;
            case "host": host = value; break;
            case "user": user = value; break;
            case "tokenFile": token = value; break;
            case "identity": identity = value; break;
            case "known": known = value; break;
        }

        Assert.ThrowsAny<ArgumentException>(() => SshConfigEntry.Render(alias, host, 8002, 1, token, user, identity, known));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(65536, 1)]
    [InlineData(8002, 0)]
    [InlineData(8002, -5)]
    public void Out_of_range_ports_and_ids_are_refused(int port, long id)
    {
        Assert.ThrowsAny<ArgumentException>(() => SshConfigEntry.Render("vps", "127.0.0.1", port, id, "/t", "root", null, "/k"));
    }

    [Fact]
    public void Paths_with_spaces_are_quoted_for_ssh_config()
    {
        string text = SshConfigEntry.Render("vps", "::1", 8002, 1, "/home/a b/token", "root", "/home/a b/id", "/home/a b/known");

        Assert.Contains("    IdentityFile \"/home/a b/id\"\n", text);
        Assert.Contains("    UserKnownHostsFile \"/home/a b/known\"\n", text);
        Assert.Contains("/dev/tcp/::1/8002", text);
        Assert.Contains("$(cat \"/home/a b/token\")", text);
    }

    [Fact]
    public async Task The_real_ssh_parses_the_block_as_intended()
    {
        using var cts = Deadline();
        string config = Path.Combine(_dir, "config");
        File.WriteAllText(config, SshConfigEntry.Render("river-7", "127.0.0.1", 8002, 7, Path.Combine(_dir, "token file"), "root",
            Path.Combine(_dir, "id"), Path.Combine(_dir, "known hosts")));

        var result = await ProcessRunner.RunAsync("ssh", ["-G", "-F", config, "river-7"], cts.Token);

        Assert.True(result.ExitCode == 0, result.ToString());
        var options = result.Stdout.Split('\n').Where(l => l.Contains(' '))
            .GroupBy(l => l[..l.IndexOf(' ')]).ToDictionary(g => g.Key, g => g.First()[(g.Key.Length + 1)..]);
        Assert.Equal("root", options["user"]);
        Assert.Equal("river-vps-7", options["hostkeyalias"]);
        Assert.Equal("accept-new", options["stricthostkeychecking"]);
        Assert.Equal("yes", options["identitiesonly"]);
        Assert.Contains(Path.Combine(_dir, "known hosts"), options["userknownhostsfile"]);
        Assert.Equal(Path.Combine(_dir, "id"), options["identityfile"]);
        Assert.StartsWith("bash -c 'exec 3<>/dev/tcp/127.0.0.1/8002 && printf", options["proxycommand"]);
    }

    [Theory]
    [InlineData("/bin/sh")]
    [InlineData("/bin/bash")]
    public async Task The_real_ssh_runs_the_ProxyCommand_and_shows_the_proxy_refusal(string shell)
    {
        // ssh runs ProxyCommand as `$SHELL -c "exec …"` after expanding %-tokens, so this checks the %%
        // escaping and the quoting through both a POSIX sh and bash; the refusal needs no sshd behind it.
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();
        string tokenFile = Path.Combine(_dir, "token");
        ProcessRunner.WritePrivate(tokenFile, "not-the-token\n");
        string config = Path.Combine(_dir, "config");
        File.WriteAllText(config, SshConfigEntry.Render("river", "127.0.0.1", h.Port, ProxyHarness.VpsId, tokenFile, "root", null,
            Path.Combine(_dir, "known_hosts")));

        var result = await ProcessRunner.RunAsync("ssh", ["-F", config, "-o", "BatchMode=yes", "river", "true"], cts.Token,
            environment: new Dictionary<string, string> { ["SHELL"] = shell });

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("kohakuriver: ERROR invalid API token", result.Stderr);
        Assert.Equal(0, h.Echo.AcceptedCount);
        Assert.Contains(h.Log.Lines, l => l.Contains("task 42 refused: invalid API token"));
    }

    [Fact]
    public async Task The_ProxyCommand_carries_bytes_both_ways_and_closes_the_connection_when_ssh_is_done()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();
        string tokenFile = Path.Combine(_dir, "token");
        ProcessRunner.WritePrivate(tokenFile, ProxyHarness.Token + "\n");
        string command = SshConfigEntry.ProxyCommand("127.0.0.1", h.Port, ProxyHarness.VpsId, tokenFile);

        // As ssh would run it, with the echo server standing in for sshd.
        using var process = ProcessRunner.Start("/bin/sh", ["-c", "exec " + command]);
        try
        {
            await process.StandardInput.WriteAsync("SSH-2.0-test\r\n".AsMemory(), cts.Token);
            await process.StandardInput.FlushAsync(cts.Token);
            var echoed = new char["SSH-2.0-test\r\n".Length];
            await process.StandardOutput.ReadBlockAsync(echoed.AsMemory(), cts.Token);

            Assert.Equal("SSH-2.0-test\r\n", new string(echoed));
            Assert.Equal(1, h.Echo.AcceptedCount);

            // ssh done: its end of the pipe closes. The whole connection must close (the proxy and sshd
            // would otherwise keep the session forever), and no cat may be left holding ssh's pipes.
            process.StandardInput.Close();
            await h.Echo.EndOfInputSeen.WaitAsync(cts.Token);
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync(cts.Token));
            Assert.Equal("", await process.StandardError.ReadToEndAsync(cts.Token));
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task The_ProxyCommand_explains_an_unreachable_proxy()
    {
        using var cts = Deadline();
        int port;
        using (var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            port = ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
        }
        string command = SshConfigEntry.ProxyCommand("127.0.0.1", port, 1, Path.Combine(_dir, "missing-token"));

        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", "exec " + command], cts.Token, stdin: "");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"kohakuriver: no tunnel through the SSH proxy at 127.0.0.1:{port}", result.Stderr);
        Assert.Equal("", result.Stdout);
    }
}
