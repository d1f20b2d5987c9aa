using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Security;
using KohakuRiver.Tests.Host;
using Xunit;

namespace KohakuRiver.Tests.Security;

/// <summary>The mount rule against a real filesystem: real folders, real symbolic links, the real /proc and /run.</summary>
public sealed class MountSecurityPolicyTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly DaemonSettings _settings;

    public MountSecurityPolicyTests()
    {
        _settings = _dir.Settings();
        _settings.DockerSocket = "/var/run/docker.sock";
        _settings.ConfigPath = _dir.Combine("etc", "config.json");
        foreach (var d in new[] { _settings.DataDir, _settings.SharedDir, _settings.LocalTempDir, _settings.LogsDir, _dir.Combine("etc"), _dir.Combine("outside") })
            Directory.CreateDirectory(d);
        File.WriteAllText(_settings.ConfigPath, "{}");
    }

    public void Dispose() => _dir.Dispose();

    private MountSecurityPolicy Policy() => new(_settings, "node n1");

    private string Refused(string mount, bool mustExist = true)
    {
        var check = Policy().Check(mount, mustExist);
        Assert.False(check.Allowed, $"{mount} was allowed as {check.Mount}");
        Assert.Null(check.Mount);
        return check.Error!;
    }

    private string Link(string name, string target)
    {
        var link = Path.Combine(_settings.SharedDir, name);
        File.CreateSymbolicLink(link, target);
        return link;
    }

    [Fact]
    public void A_folder_inside_the_shared_or_local_temp_dir_is_allowed_with_its_real_path()
    {
        var data = Path.Combine(_settings.SharedDir, "datasets", "mnist");
        Directory.CreateDirectory(data);
        var check = Policy().Check($"{data}/:/data:ro");
        Assert.True(check.Allowed, check.Error);
        Assert.Equal((data, "/data", true), (check.Mount!.HostPath, check.Mount.ContainerPath, check.Mount.ReadOnly));

        Assert.True(Policy().Check($"{_settings.LocalTempDir}:/scratch").Allowed);
    }

    [Fact]
    public void A_link_inside_an_allowed_root_is_judged_by_where_it_leads()
    {
        var inside = Path.Combine(_settings.SharedDir, "real");
        Directory.CreateDirectory(inside);
        var good = Link("good", inside);
        var check = Policy().Check($"{good}:/x");
        Assert.True(check.Allowed, check.Error);
        Assert.Equal(inside, check.Mount!.HostPath);

        // A link in the shared dir (anyone with a task can make one there) to the daemon's data dir: the token's folder.
        var toData = Link("to-data", _settings.DataDir);
        Assert.Contains($"{toData} (really {_settings.DataDir}) lies in the data dir", Refused($"{toData}:/x"));
        Assert.Contains("contains the kernel interface /proc", Refused($"{Link("to-root", "/")}:/x"));
        Assert.Contains("is outside the folders mounts may come from", Refused($"{Link("to-outside", _dir.Combine("outside"))}:/x"));
        Assert.Contains("is outside the folders mounts may come from", Refused($"{Link("to-etc", "/etc")}:/x"));
    }

    [Theory]
    [InlineData("/proc/self/root:/x", "contains the kernel interface /proc")]
    [InlineData("/proc:/x", "lies in the kernel interface /proc")]
    [InlineData("/sys/fs/cgroup:/x", "lies in the kernel interface /sys")]
    [InlineData("/dev:/x", "lies in the device folder /dev")]
    [InlineData("/run:/x", "lies in the runtime state in /run")]
    [InlineData("/:/host", "contains the kernel interface /proc")]
    [InlineData("/etc:/hostetc", "is outside the folders mounts may come from on node n1")]
    public void Kernel_interfaces_the_root_and_folders_outside_the_roots_are_refused(string mount, string reason)
    {
        Assert.Contains(reason, Refused(mount));
    }

    [Fact]
    public void The_engine_socket_through_the_var_run_link_is_refused_even_where_roots_would_allow_it()
    {
        // /var/run is a link to /run on Debian: text comparison alone let this through.
        var name = "kohakuriver-test-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory("/run/" + name);
        try
        {
            _settings.MountAllowedRoots = ["/run", "/var"];
            var error = Refused($"/var/run/{name}:/s");
            Assert.Contains("runtime state in /run", error);
            Assert.Contains($"(really /run/{name})", error);
        }
        finally
        {
            Directory.Delete("/run/" + name);
        }
    }

    [Fact]
    public void The_daemons_own_state_is_refused_whatever_the_roots_say()
    {
        _settings.MountAllowedRoots = [_dir.Path];
        Assert.Contains("lies in the data dir", Refused($"{_settings.DataDir}:/x"));
        Assert.Contains("contains the data dir", Refused($"{_dir.Path}:/x"));
        Assert.Contains("contains the task logs", Refused($"{_settings.SharedDir}:/x"));
        Assert.Contains("lies in the config file", Refused($"{_settings.ConfigPath}:/c"));
        Assert.Contains("contains the config file", Refused($"{_dir.Combine("etc")}:/c"));
        // Roots widen what is allowed: a folder outside the defaults now passes.
        Assert.True(Policy().Check($"{_dir.Combine("outside")}:/o").Allowed);
    }

    [Fact]
    public void A_missing_source_is_refused_and_never_created()
    {
        var missing = Path.Combine(_settings.SharedDir, "nope", "deeper");
        Assert.Contains("does not exist on node n1; a mount source is never created", Refused($"{missing}:/x"));
        Assert.False(Directory.Exists(Path.Combine(_settings.SharedDir, "nope")));
        // A host that does not share the runners' filesystems judges a path missing there by its text.
        Assert.True(Policy().Check($"{missing}:/x", mustExist: false).Allowed);
        Assert.Contains("outside the folders", Refused("/nowhere/at/all:/x", mustExist: false));
    }

    [Theory]
    [InlineData("relative:/x", "both paths must be absolute")]
    [InlineData("/a/../b:/x", "must not contain '..'")]
    [InlineData("/a:/x:rx", "neither ro nor rw")]
    [InlineData("/a", "is not host_path:container_path")]
    [InlineData("/a\0b:/x", "contains a control character")]
    [InlineData("/a:/x\n", "contains a control character")]
    [InlineData("/a:/", "a container's root cannot be a mount target")]
    public void Malformed_mounts_are_refused_before_any_path_is_resolved(string mount, string reason)
    {
        Assert.Contains(reason, Refused(mount));
    }

    [Fact]
    public void Mounts_over_shared_or_local_temp_inside_the_container_are_refused()
    {
        Assert.Contains("already mounted in every task", Refused($"{_settings.LocalTempDir}:/shared"));
        Assert.Contains("already mounted in every task", Refused($"{_settings.LocalTempDir}:/local_temp/sub"));
    }

    [Fact]
    public void An_over_long_mount_is_refused_naming_the_limit()
    {
        Assert.Contains("longer than 4096 bytes", Refused("/" + new string('a', 5000) + ":/x"));
    }

    [Fact]
    public void An_operators_own_mount_need_not_lie_in_a_root_but_may_not_expose_what_is_protected()
    {
        var policy = Policy();
        Assert.True(policy.Check("/opt:/opt:ro", mustExist: false, byOperator: true).Allowed);
        Assert.False(policy.Check("/var/run/docker.sock:/s", mustExist: false, byOperator: true).Allowed);
    }

    [Fact]
    public void Real_paths_follow_every_link_and_tell_missing_from_unreadable()
    {
        Assert.Equal("/", RealPath.Resolve("/proc/self/root").Path);
        Assert.Equal(RealPathOutcome.Missing, RealPath.Resolve("/no/such/path").Outcome);
        Assert.Equal(RealPathOutcome.Failed, RealPath.Resolve("/a\0b").Outcome);
        var loop = Path.Combine(_settings.SharedDir, "loop");
        File.CreateSymbolicLink(loop, loop);
        var looped = RealPath.Resolve(loop);
        Assert.Equal(RealPathOutcome.Failed, looped.Outcome);
        Assert.False(string.IsNullOrEmpty(looped.Error));
    }
}
