using KohakuRiver.Core.Vps;
using KohakuRiver.Tests.Host;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class VpsSshTests
{
    private const long Id = 7205759403792793700;

    [Fact]
    public void Ssh_gets_the_forwarders_port_the_VPSs_host_key_alias_the_shared_known_hosts_and_the_key()
    {
        var args = SshCommandLine.Build(new SshCommandOptions
        {
            Port = 40123,
            TaskId = Id,
            User = "dev",
            KnownHostsFile = "/home/u/.ssh/kohakuriver/known_hosts",
            IdentityFile = "/home/u/.ssh/kohakuriver/vps-1",
            ExtraArguments = ["-o", "StrictHostKeyChecking=yes", "-L", "8888:localhost:8888"],
            RemoteCommand = "nvidia-smi -L",
        });

        Assert.Equal(
        [
            "-o", "StrictHostKeyChecking=yes", "-L", "8888:localhost:8888",
            "-p", "40123",
            "-o", $"HostKeyAlias=river-vps-{Id}",
            "-o", "UserKnownHostsFile=/home/u/.ssh/kohakuriver/known_hosts",
            "-o", "StrictHostKeyChecking=accept-new",
            "-i", "/home/u/.ssh/kohakuriver/vps-1", "-o", "IdentitiesOnly=yes",
            "dev@127.0.0.1",
            "nvidia-smi -L",
        ], args);
    }

    [Fact]
    public void Without_a_key_or_command_ssh_uses_its_own_keys_and_opens_a_login_shell_as_root()
    {
        var args = SshCommandLine.Build(new SshCommandOptions { Port = 2, TaskId = 5, KnownHostsFile = "/k" });
        Assert.Equal(["-p", "2", "-o", "HostKeyAlias=river-vps-5", "-o", "UserKnownHostsFile=/k", "-o", "StrictHostKeyChecking=accept-new", "root@127.0.0.1"], args);
    }

    [Fact]
    public async Task The_real_ssh_reads_the_arguments_as_meant()
    {
        var ssh = SshCommandLine.FindExecutable("ssh", Environment.GetEnvironmentVariable("PATH"));
        Assert.SkipWhen(ssh is null || OperatingSystem.IsWindows(), "no OpenSSH client on PATH");
        using var dir = new TempDir();
        var key = dir.Combine("my key");
        File.WriteAllText(key, "not a key; ssh -G only resolves the configuration");
        var args = SshCommandLine.Build(new SshCommandOptions
        {
            Port = 40123,
            TaskId = Id,
            User = "dev",
            KnownHostsFile = dir.Combine("with space", "100%", "known_hosts"),
            IdentityFile = key,
            ExtraArguments = ["-o", "StrictHostKeyChecking=yes"],
            RemoteCommand = "true",
        });

        // -G prints the configuration ssh would use and exits without connecting.
        var result = await Ssh.ProcessRunner.RunAsync(ssh!, args.Prepend("-G"), TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        var config = result.Stdout.Split('\n').Select(l => l.Split(' ', 2)).Where(p => p.Length == 2).ToLookup(p => p[0], p => p[1]);
        Assert.Equal("127.0.0.1", config["hostname"].Single());
        Assert.Equal("dev", config["user"].Single());
        Assert.Equal("40123", config["port"].Single());
        Assert.Equal($"river-vps-{Id}", config["hostkeyalias"].Single());
        Assert.Equal(dir.Combine("with space", "100%", "known_hosts"), config["userknownhostsfile"].Single());
        Assert.Equal(key, config["identityfile"].First());
        Assert.Equal("yes", config["identitiesonly"].Single());
        // The user's own option came first and so won over ours.
        Assert.Equal("true", config["stricthostkeychecking"].Single());
    }

    [Theory]
    [InlineData("-oProxyCommand=sh")]
    [InlineData("root@evil")]
    [InlineData("a b")]
    [InlineData("")]
    public void A_user_that_ssh_could_read_as_an_option_or_a_host_is_refused(string user) =>
        Assert.Throws<ArgumentException>(() => SshCommandLine.Build(new SshCommandOptions { Port = 2, TaskId = 5, KnownHostsFile = "/k", User = user }));

    [Theory]
    [InlineData("/home/u/.ssh/kohakuriver/known_hosts", "/home/u/.ssh/kohakuriver/known_hosts")]
    [InlineData("/home/My User/.ssh/k", "\"/home/My User/.ssh/k\"")]
    [InlineData("/home/u/100%/k", "/home/u/100%%/k")]
    public void Option_values_are_written_the_way_ssh_parses_them(string value, string written) =>
        Assert.Equal(written, SshCommandLine.ConfigValue(value));

    [Fact]
    public void The_ssh_program_is_the_first_executable_one_on_PATH_and_relative_entries_are_skipped()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("a"));
        Directory.CreateDirectory(dir.Combine("b"));
        File.WriteAllText(dir.Combine("a", "ssh"), "not executable");
        File.WriteAllText(dir.Combine("b", "ssh"), "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir.Combine("b", "ssh"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var path = string.Join(Path.PathSeparator, "relative", dir.Combine("a"), dir.Combine("b"));

        Assert.Equal(OperatingSystem.IsWindows() ? dir.Combine("a", "ssh") : dir.Combine("b", "ssh"), SshCommandLine.FindExecutable("ssh", path));
        Assert.Null(SshCommandLine.FindExecutable("ssh", string.Join(Path.PathSeparator, "relative", dir.Combine("c"))));
        var e = Assert.Throws<SshClientNotFoundException>(() => SshCommandLine.FindSsh(n => n == "PATH" ? dir.Combine("c") : null));
        Assert.Contains("PATH", e.Message);
    }

    [Fact]
    public void The_proxy_is_at_the_API_host_on_the_port_given_else_the_variable_else_8002()
    {
        var api = new Uri("http://gpu-head:8000/");
        Assert.Equal(new SshProxyAddress("gpu-head", 8002), SshProxyAddress.For(api, null, _ => null));
        Assert.Equal(9022, SshProxyAddress.For(api, null, n => n == SshProxyAddress.PortVariable ? " 9022 " : null).Port);
        Assert.Equal(7000, SshProxyAddress.For(api, 7000, _ => "9022").Port);
        Assert.Throws<FormatException>(() => SshProxyAddress.For(api, null, _ => "ssh"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SshProxyAddress.For(api, 70000, _ => null));

        var v6 = SshProxyAddress.For(new Uri("http://[fd00::5]:8000/"), null, _ => null);
        Assert.Equal("fd00::5", v6.Host);
        Assert.Equal("[fd00::5]:8002", v6.ToString());
    }

    [Fact]
    public void The_token_file_is_one_per_cluster_owner_only_and_rewritten_only_when_the_token_changes()
    {
        using var dir = new TempDir();
        var a = SshTokenFile.Ensure(dir.Path, new Uri("http://Gpu-Head:8000/"), "token-a");
        var b = SshTokenFile.Ensure(dir.Path, new Uri("http://[fd00::5]:9000/"), "token-b");

        Assert.Equal(dir.Combine("tokens", "gpu-head-8000"), a);
        Assert.Equal(dir.Combine("tokens", "fd00__5-9000"), b);
        Assert.Equal("token-a\n", File.ReadAllText(a));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(a));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir.Combine("tokens")));
        }
        var written = File.GetLastWriteTimeUtc(a);
        File.SetLastWriteTimeUtc(a, written.AddHours(-1));
        SshTokenFile.Ensure(dir.Path, new Uri("http://gpu-head:8000/"), "token-a");
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(a));
        SshTokenFile.Ensure(dir.Path, new Uri("http://gpu-head:8000/"), "token-c");
        Assert.Equal("token-c\n", File.ReadAllText(a));

        Assert.Throws<ArgumentException>(() => SshTokenFile.Ensure(dir.Path, new Uri("http://x:1/"), "two words"));
    }

    [Fact]
    public void The_ssh_config_entry_reads_the_token_from_its_file_and_uses_the_generated_key_when_there_is_one()
    {
        using var home = new TempDir();
        Func<string, string?> env = n => n switch
        {
            "HOME" => home.Path,
            "XDG_CONFIG_HOME" => home.Combine(".config"),
            "KOHAKURIVER_CLIENT_CONFIG" => null,
            _ => null,
        };
        Directory.CreateDirectory(home.Combine(".ssh", "kohakuriver"));
        File.WriteAllText(home.Combine(".ssh", "kohakuriver", $"vps-{Id}"), "key");

        var block = VpsSshConfig.Prepare(new VpsSshConfigRequest
        {
            TaskId = Id,
            ApiUri = new Uri("http://gpu-head:8000/"),
            Token = "secret-token",
        }, env);

        var tokenFile = home.Combine(".config", "kohakuriver", "tokens", "gpu-head-8000");
        Assert.Equal("secret-token\n", File.ReadAllText(tokenFile));
        Assert.DoesNotContain("secret-token", block);
        Assert.StartsWith($"Host river-vps-{Id}\n    User root\n", block);
        Assert.Contains($"HostKeyAlias river-vps-{Id}", block);
        Assert.Contains("/dev/tcp/gpu-head/8002", block);
        Assert.Contains(tokenFile, block);
        Assert.Contains($"UserKnownHostsFile {home.Combine(".ssh", "kohakuriver", "known_hosts")}", block);
        Assert.Contains($"IdentityFile {home.Combine(".ssh", "kohakuriver", $"vps-{Id}")}", block);

        var other = VpsSshConfig.Prepare(new VpsSshConfigRequest
        {
            TaskId = 5, Alias = "dev", User = "ubuntu", ApiUri = new Uri("http://gpu-head:8000/"), Token = "secret-token", ProxyPort = 9022,
        }, env);
        Assert.StartsWith("Host dev\n    User ubuntu\n", other);
        Assert.Contains("/dev/tcp/gpu-head/9022", other);
        Assert.DoesNotContain("IdentityFile", other);
        Assert.DoesNotContain("ProxyUseFdpass", other);

        var fd = VpsSshConfig.Prepare(new VpsSshConfigRequest
        {
            TaskId = 5, ApiUri = new Uri("http://gpu-head:8000/"), Token = "secret-token", ProxyPort = 9022, FdPassing = true,
        }, env);
        Assert.Contains("    ProxyUseFdpass yes\n", fd);
        Assert.Contains("ProxyCommand python3 -c '", fd);
        Assert.Contains("(\"gpu-head\",9022)", fd);
        Assert.Contains(tokenFile, fd);
        Assert.DoesNotContain("secret-token", fd);
    }

    [Fact]
    public void A_bad_alias_is_refused_before_the_token_is_written()
    {
        using var home = new TempDir();
        Func<string, string?> env = n => n is "HOME" or "XDG_CONFIG_HOME" ? home.Path : null;
        Assert.Throws<ArgumentException>(() => VpsSshConfig.Prepare(new VpsSshConfigRequest
        {
            TaskId = 5, Alias = "dev\n    ProxyCommand sh", ApiUri = new Uri("http://gpu-head:8000/"), Token = "t",
        }, env));
        Assert.Empty(Directory.GetFileSystemEntries(home.Path));
    }
}
