using KohakuRiver.Daemon.Configuration;
using Xunit;

namespace KohakuRiver.Tests.Daemon;

public sealed class SettingsLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kohakuriver-unit", Guid.NewGuid().ToString("N"));

    public SettingsLoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string json)
    {
        var path = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static DaemonSettings Load(string config, Dictionary<string, string?>? env = null, params string[] args) =>
        SettingsLoader.Load(["--config", config, .. args], env ?? []);

    private static SettingsException Fails(Func<DaemonSettings> load) => Assert.Throws<SettingsException>(() => load());

    [Fact]
    public void An_empty_config_gives_the_defaults_and_records_its_path()
    {
        var path = Config("{}");
        var s = Load(path);
        Assert.Equal(8000, s.HostPort);
        Assert.Equal(8001, s.RunnerPort);
        Assert.Equal(5.0, s.HeartbeatIntervalSeconds);
        Assert.Equal(6, s.HeartbeatTimeoutFactor);
        Assert.Equal("/mnt/cluster-share", s.SharedDir);
        Assert.Equal("busybox", s.DefaultEnvironment);
        Assert.Null(s.ApiToken);
        Assert.Empty(s.ExtraMounts);
        Assert.Equal(path, s.ConfigPath);
    }

    [Fact]
    public void Priority_is_file_then_environment_then_command_line()
    {
        var path = Config("""{"host_port": 1000, "runner_port": 1001, "ssh_proxy_port": 1002}""");
        var env = new Dictionary<string, string?> { ["KOHAKURIVER_RUNNER_PORT"] = "2001", ["KOHAKURIVER_SSH_PROXY_PORT"] = "2002" };

        var s = Load(path, env, "--ssh-proxy-port", "3002");

        Assert.Equal(1000, s.HostPort);
        Assert.Equal(2001, s.RunnerPort);
        Assert.Equal(3002, s.SshProxyPort);
    }

    [Fact]
    public void Options_may_be_written_key_equals_value_with_dashes_or_underscores()
    {
        var s = Load(Config("{}"), null, "--host-port=9000", "--runner_port", "9001", "--HOST-ADDRESS=10.0.0.1", "--runner-hostname=", "--api-token=a=b");
        Assert.Equal(9000, s.HostPort);
        Assert.Equal(9001, s.RunnerPort);
        Assert.Equal("10.0.0.1", s.HostAddress);
        Assert.Null(s.RunnerHostname);
        Assert.Equal("a=b", s.ApiToken);
    }

    [Fact]
    public void The_config_may_be_named_with_equals_too()
    {
        var path = Config("""{"host_port": 1234}""");
        Assert.Equal(1234, SettingsLoader.Load([$"--config={path}"], new Dictionary<string, string?>()).HostPort);
    }

    [Fact]
    public void KOHAKURIVER_CONFIG_names_the_config_file()
    {
        var path = Config("""{"host_port": 4321}""");
        var s = SettingsLoader.Load([], new Dictionary<string, string?> { ["KOHAKURIVER_CONFIG"] = path });
        Assert.Equal(4321, s.HostPort);
        Assert.Equal(path, s.ConfigPath);
    }

    [Fact]
    public void A_named_config_that_does_not_exist_is_an_error()
    {
        var missing = Path.Combine(_dir, "missing.json");
        var e = Fails(() => Load(missing));
        Assert.Equal($"config file '{missing}' does not exist (write one with 'kohakuriver-daemon init --config {missing}')", e.Message);
        var viaEnv = Fails(() => SettingsLoader.Load([], new Dictionary<string, string?> { ["KOHAKURIVER_CONFIG"] = missing }));
        Assert.Equal(e.Message, viaEnv.Message);
    }

    [Fact]
    public void A_bad_value_in_the_file_names_the_setting_and_the_file()
    {
        var path = Config("""{"host_port": "eighty"}""");
        Assert.Equal($"setting host_port (from config file {path}): 'eighty' is not a whole number from 0 to 65535", Fails(() => Load(path)).Message);
    }

    [Fact]
    public void A_bad_value_in_the_environment_names_the_variable()
    {
        var env = new Dictionary<string, string?> { ["KOHAKURIVER_HEARTBEAT_TIMEOUT_FACTOR"] = "0" };
        Assert.Equal("setting heartbeat_timeout_factor (from environment variable KOHAKURIVER_HEARTBEAT_TIMEOUT_FACTOR): '0' is not a whole number from 1 to 1000",
            Fails(() => Load(Config("{}"), env)).Message);
    }

    [Fact]
    public void A_bad_value_on_the_command_line_names_the_option()
    {
        Assert.Equal("setting runner_port (from command-line option --runner-port): '70000' is not a whole number from 0 to 65535",
            Fails(() => Load(Config("{}"), null, "--runner-port", "70000")).Message);
    }

    [Theory]
    [InlineData("host_bind_address", "localhost", "'localhost' is not an IP address")]
    [InlineData("heartbeat_interval_seconds", "0.01", "'0.01' is not a number of seconds between 0.05 and 3600")]
    [InlineData("heartbeat_interval_seconds", "soon", "'soon' is not a number of seconds between 0.05 and 3600")]
    [InlineData("runner_cores", "-1", "'-1' is not a whole number from 0 to 4096")]
    [InlineData("runner_memory_bytes", "lots", "size 'lots' does not start with a non-negative number")]
    [InlineData("extra_mounts", "/a:/b,rel:/c", "mount 'rel:/c': both paths must be absolute")]
    [InlineData("log_level", "Loud", "'Loud' is not a log level (Trace, Debug, Information, Warning, Error)")]
    [InlineData("docker_socket", " ", "must not be empty")]
    [InlineData("host_address", "", "must not be empty")]
    [InlineData("data_dir", "relative/dir", "'relative/dir' is not an absolute path")]
    [InlineData("shared_dir", "./share", "'./share' is not an absolute path")]
    [InlineData("local_temp_dir", "", "'' is not an absolute path")]
    [InlineData("mount_allowed_roots", "/data,relative", "'relative' is not an absolute path")]
    [InlineData("allow_privileged", "maybe", "'maybe' is not true or false")]
    [InlineData("default_memory_per_core_bytes", "1K", "'1K' is below Docker's minimum of 6 MiB")]
    [InlineData("default_pids_limit", "8", "'8' is not a whole number from 16 to 4194304")]
    [InlineData("max_pids_limit", "many", "'many' is not a whole number from 16 to 4194304")]
    public void Bad_values_stop_with_a_message_naming_the_setting(string key, string value, string why)
    {
        var e = Fails(() => Load(Config("{}"), null, "--" + key.Replace('_', '-'), value));
        Assert.Equal($"setting {key} (from command-line option --{key.Replace('_', '-')}): {why}", e.Message);
    }

    [Fact]
    public void A_numeric_log_level_is_refused()
    {
        var e = Fails(() => Load(Config("{}"), null, "--log-level", "42"));
        Assert.Equal("setting log_level (from command-line option --log-level): '42' is not a log level (Trace, Debug, Information, Warning, Error)", e.Message);
    }

    [Fact]
    public void Good_values_of_every_kind_are_applied()
    {
        var s = Load(Config("{}"), null,
            "--host-bind-address", "::1",
            "--heartbeat-interval-seconds", "0.5",
            "--runner-memory-bytes", "16G",
            "--extra-mounts", "/a:/b:ro, /c:/d",
            "--log-level", "debug",
            "--data-dir", "/var/tmp/kr/../kr2/",
            "--runner-address", "  10.1.2.3  ",
            "--cluster-token", "  ");
        Assert.Equal("::1", s.HostBindAddress);
        Assert.Equal(0.5, s.HeartbeatIntervalSeconds);
        Assert.Equal(TimeSpan.FromSeconds(3), s.HeartbeatTimeout);
        Assert.Equal(16L << 30, s.RunnerMemoryBytes);
        Assert.Equal(["/a:/b:ro", "/c:/d"], s.ExtraMounts);
        Assert.Equal("debug", s.LogLevel);
        Assert.Equal("/var/tmp/kr2/", s.DataDir);
        Assert.Equal("10.1.2.3", s.RunnerAddress);
        Assert.Null(s.ClusterToken);
    }

    [Fact]
    public void Hardening_settings_are_off_or_bounded_by_default_and_can_be_set()
    {
        var defaults = Load(Config("{}"));
        Assert.False(defaults.AllowPrivileged);
        Assert.Empty(defaults.MountAllowedRoots);
        Assert.Equal((2L << 30, 4096, 65536), (defaults.DefaultMemoryPerCoreBytes, defaults.DefaultPidsLimit, defaults.MaxPidsLimit));

        var s = Load(Config("""{"allow_privileged": true, "mount_allowed_roots": ["/data", "/srv/x/../y"]}"""), null,
            "--default-memory-per-core-bytes", "1G", "--default-pids-limit", "100", "--max-pids-limit", "200");
        Assert.True(s.AllowPrivileged);
        Assert.Equal(["/data", "/srv/y"], s.MountAllowedRoots);
        Assert.Equal((1L << 30, 100, 200), (s.DefaultMemoryPerCoreBytes, s.DefaultPidsLimit, s.MaxPidsLimit));
        Assert.Equal(3L << 30, s.DefaultMemoryBytes(3));
    }

    [Fact]
    public void A_default_pids_limit_above_the_maximum_stops_start_up()
    {
        Assert.Equal("setting default_pids_limit (5000) is above max_pids_limit (1000)",
            Fails(() => Load(Config("{}"), null, "--max-pids-limit", "1000", "--default-pids-limit", "5000")).Message);
    }

    [Fact]
    public void A_list_in_the_config_file_is_read_as_a_comma_list()
    {
        var s = Load(Config("""{"extra_mounts": ["/x:/y", "/z:/w:ro"], "runner_address": null}"""));
        Assert.Equal(["/x:/y", "/z:/w:ro"], s.ExtraMounts);
        Assert.Null(s.RunnerAddress);
    }

    [Fact]
    public void Comments_and_trailing_commas_are_allowed_in_the_file()
    {
        var s = Load(Config("""
            {
              // the API port
              "host_port": 8100,
            }
            """));
        Assert.Equal(8100, s.HostPort);
    }

    [Fact]
    public void An_unknown_key_in_the_file_is_rejected()
    {
        var path = Config("""{"host_prot": 1}""");
        var e = Fails(() => Load(path));
        Assert.StartsWith($"unknown setting 'host_prot' in config file {path}; known settings: host_port, runner_port,", e.Message);
    }

    [Fact]
    public void An_unknown_option_on_the_command_line_is_rejected()
    {
        var e = Fails(() => Load(Config("{}"), null, "--colour", "blue"));
        Assert.StartsWith("unknown setting 'colour' in command-line option --colour; known settings:", e.Message);
    }

    [Fact]
    public void Unrelated_environment_variables_are_not_settings()
    {
        var env = new Dictionary<string, string?> { ["KOHAKURIVER_HOST_PORT"] = null, ["PATH"] = "/bin", ["HOST_PORT"] = "1" };
        Assert.Equal(8000, Load(Config("{}"), env).HostPort);
    }

    [Fact]
    public void An_option_without_a_value_or_a_stray_argument_is_an_error()
    {
        Assert.Equal("option --host-port needs a value", Fails(() => Load(Config("{}"), null, "--host-port")).Message);
        Assert.Equal("unexpected argument 'host'; options are written --setting value", Fails(() => Load(Config("{}"), null, "host")).Message);
        Assert.Equal("option --config needs a value", Fails(() => SettingsLoader.Load(["--config"], new Dictionary<string, string?>())).Message);
    }

    [Fact]
    public void A_config_file_that_is_not_json_or_not_an_object_is_an_error()
    {
        var broken = Config("{ host_port: ");
        Assert.StartsWith($"config file {broken} is not valid JSON:", Fails(() => Load(broken)).Message);
        var array = Config("[1, 2]");
        Assert.Equal($"config file {array} must hold one JSON object of settings", Fails(() => Load(array)).Message);
        var nested = Config("""{"host_port": {"a": 1}}""");
        Assert.Equal($"setting host_port (from config file {nested}): expected a string, number, true/false or list, got Object", Fails(() => Load(nested)).Message);
        var boolean = Config("""{"host_port": true}""");
        Assert.Equal($"setting host_port (from config file {boolean}): 'true' is not a whole number from 0 to 65535", Fails(() => Load(boolean)).Message);
    }

    [Fact]
    public void Every_setting_is_described_with_its_environment_variable()
    {
        var all = SettingsLoader.Describe().ToList();
        Assert.Equal(all.Count, all.Select(d => d.Key).Distinct().Count());
        Assert.All(all, d => Assert.Equal("KOHAKURIVER_" + d.Key.ToUpperInvariant(), d.EnvironmentVariable));
        Assert.Contains(all, d => d.Key == "heartbeat_timeout_factor");
        Assert.Equal(all.Select(d => d.Key), SettingsLoader.Snapshot(new DaemonSettings()).Select(kv => kv.Key));
    }

    [Fact]
    public void Each_setting_round_trips_through_the_environment()
    {
        // Everything Snapshot writes must be accepted back as an environment variable.
        var s = Load(Config("{}"), null, "--data-dir", "/srv/kr", "--extra-mounts", "/a:/b", "--api-token", "t");
        var env = SettingsLoader.Snapshot(s).Where(kv => kv.Value is not null)
            .ToDictionary(kv => SettingsLoader.EnvName(kv.Key), kv => (string?)Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture));
        var back = Load(Config("{}"), env);
        Assert.Equal(SettingsLoader.Snapshot(s).Select(kv => Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture)),
            SettingsLoader.Snapshot(back).Select(kv => Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Gpu_library_path_defaults_to_nvml_on_the_search_path_and_may_name_a_file_or_be_emptied()
    {
        Assert.Equal("libnvidia-ml.so.1", Load(Config("{}")).GpuLibraryPath);
        Assert.Equal("/opt/nvidia/libnvidia-ml.so.1", Load(Config("""{"gpu_library_path": " /opt/nvidia/libnvidia-ml.so.1 "}""")).GpuLibraryPath);
        Assert.Equal("", Load(Config("""{"gpu_library_path": ""}""")).GpuLibraryPath);
        Assert.Equal("", Load(Config("{}"), new Dictionary<string, string?> { ["KOHAKURIVER_GPU_LIBRARY_PATH"] = "" }).GpuLibraryPath);
        Assert.Equal("/x/libnvml.so", Load(Config("{}"), null, "--gpu-library-path", "/x/libnvml.so").GpuLibraryPath);
    }

    [Fact]
    public void Gpu_library_path_with_a_control_character_is_an_error()
    {
        var path = Config("""{"gpu_library_path": "lib\nnvidia.so"}""");
        Assert.Equal($"setting gpu_library_path (from config file {path}): the path contains a control character", Fails(() => Load(path)).Message);
    }
}
