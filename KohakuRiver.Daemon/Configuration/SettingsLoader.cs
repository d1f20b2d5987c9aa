using System.Globalization;
using System.Net;
using System.Text.Json;

namespace KohakuRiver.Daemon.Configuration;

/// <summary>
/// Reads settings from, in rising priority: a JSON config file (snake_case keys), environment variables
/// <c>KOHAKURIVER_&lt;SETTING&gt;</c>, and command-line <c>--setting value</c>. Unknown keys and bad values stop start-up.
/// </summary>
public static class SettingsLoader
{
    private sealed record Setting(string Key, string Help, Func<DaemonSettings, string, string?> Apply, Func<DaemonSettings, object?> Read);

    /// <summary>The lowest pids limit a setting or a request may name: a shell and a few children.</summary>
    public const int MinPidsLimit = 16;

    private static readonly Setting[] All =
    [
        Port("host_port", "host API port", (s, v) => s.HostPort = v, s => s.HostPort),
        Port("runner_port", "runner API port", (s, v) => s.RunnerPort = v, s => s.RunnerPort),
        Port("ssh_proxy_port", "host SSH proxy port", (s, v) => s.SshProxyPort = v, s => s.SshProxyPort),
        Address("host_bind_address", "address the host API listens on", (s, v) => s.HostBindAddress = v, s => s.HostBindAddress),
        Text("host_address", "address runners reach the host at", (s, v) => s.HostAddress = v, s => s.HostAddress, allowEmpty: false),
        Text("runner_address", "address the host reaches this runner at (empty: detect)", (s, v) => s.RunnerAddress = Empty(v), s => s.RunnerAddress),
        Text("runner_hostname", "this runner's node name (empty: machine name)", (s, v) => s.RunnerHostname = Empty(v), s => s.RunnerHostname),
        Dir("data_dir", "host state (database, generated tokens)", (s, v) => s.DataDir = v, s => s.DataDir),
        Dir("shared_dir", "directory every node mounts (logs, shared_data, environment tarballs)", (s, v) => s.SharedDir = v, s => s.SharedDir),
        Dir("local_temp_dir", "node-local scratch, mounted as /local_temp", (s, v) => s.LocalTempDir = v, s => s.LocalTempDir),
        Text("api_token", "bearer token of API clients (empty: generated)", (s, v) => s.ApiToken = Empty(v), s => s.ApiToken),
        Text("cluster_token", "bearer token runners use (empty: generated on the host)", (s, v) => s.ClusterToken = Empty(v), s => s.ClusterToken),
        Int("id_instance", "instance part (0-1023) of the task ids this host issues; hosts whose runners share a Docker engine need different values", 0, 1023, (s, v) => s.IdInstance = v, s => s.IdInstance),
        new("heartbeat_interval_seconds", "seconds between runner heartbeats", (s, v) =>
        {
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d is < 0.05 or > 3600)
                return $"'{v}' is not a number of seconds between 0.05 and 3600";
            s.HeartbeatIntervalSeconds = d;
            return null;
        }, s => s.HeartbeatIntervalSeconds),
        Int("heartbeat_timeout_factor", "missed heartbeats before a node is offline", 1, 1000, (s, v) => s.HeartbeatTimeoutFactor = v, s => s.HeartbeatTimeoutFactor),
        Text("docker_socket", "Docker engine socket", (s, v) => s.DockerSocket = v, s => s.DockerSocket, allowEmpty: false),
        Text("default_environment", "environment of tasks that name none", (s, v) => s.DefaultEnvironment = v, s => s.DefaultEnvironment, allowEmpty: false),
        Int("runner_cores", "cores this runner offers (0: detect)", 0, 4096, (s, v) => s.RunnerCores = v, s => s.RunnerCores),
        new("runner_memory_bytes", "memory this runner offers, e.g. 16G (0: detect)", (s, v) =>
        {
            if (!Core.Parsing.ByteSize.TryParse(v, out var b, out var e)) return e;
            s.RunnerMemoryBytes = b;
            return null;
        }, s => s.RunnerMemoryBytes),
        new("gpu_library_path", "NVIDIA's NVML library a runner reads its GPUs through, a path or a name on the loader's search path (empty: no GPU discovery)", (s, v) =>
        {
            var t = v.Trim();
            if (t.Any(char.IsControl)) return "the path contains a control character";
            s.GpuLibraryPath = t;
            return null;
        }, s => s.GpuLibraryPath),
        new("extra_mounts", "mounts for every task, host:container[:ro], comma-separated", (s, v) =>
        {
            var list = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            foreach (var m in list)
                if (Runner.Execution.MountSpec.TryParse(m, out _, out var e) is false) return e;
            s.ExtraMounts = list;
            return null;
        }, s => string.Join(",", s.ExtraMounts)),
        new("mount_allowed_roots", "host folders tasks and VPSs may mount from, besides shared_dir and local_temp_dir, comma-separated", (s, v) =>
        {
            var list = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            foreach (var root in list)
                if (!Path.IsPathRooted(root) || root.Any(char.IsControl)) return $"'{root}' is not an absolute path";
            s.MountAllowedRoots = list.Select(Path.GetFullPath).ToList();
            return null;
        }, s => string.Join(",", s.MountAllowedRoots)),
        Bool("allow_privileged", "whether tasks and VPSs may ask for privileged containers (root on the node)", (s, v) => s.AllowPrivileged = v, s => s.AllowPrivileged),
        new("default_memory_per_core_bytes", "memory limit per core of a task or VPS that names none, e.g. 2G", (s, v) =>
        {
            if (!Core.Parsing.ByteSize.TryParse(v, out var b, out var e)) return e;
            if (b < 6L << 20) return $"'{v}' is below Docker's minimum of 6 MiB";
            s.DefaultMemoryPerCoreBytes = b;
            return null;
        }, s => s.DefaultMemoryPerCoreBytes),
        Int("default_pids_limit", "processes a task or VPS may hold at once when it names no pids_limit", MinPidsLimit, 4_194_304, (s, v) => s.DefaultPidsLimit = v, s => s.DefaultPidsLimit),
        Int("max_pids_limit", "the highest pids_limit a request may ask for", MinPidsLimit, 4_194_304, (s, v) => s.MaxPidsLimit = v, s => s.MaxPidsLimit),
        Text("task_network", "Docker network of task containers", (s, v) => s.TaskNetwork = v, s => s.TaskNetwork, allowEmpty: false),
        new("environment_cpus", "CPU limit of environment containers on the host", (s, v) =>
        {
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d is <= 0 or > 1024)
                return $"'{v}' is not a number of CPUs between 0 and 1024";
            s.EnvironmentCpus = d;
            return null;
        }, s => s.EnvironmentCpus),
        new("environment_memory_bytes", "memory limit of environment containers on the host, e.g. 4G", (s, v) =>
        {
            if (!Core.Parsing.ByteSize.TryParse(v, out var b, out var e)) return e;
            if (b < 6L << 20) return $"'{v}' is below Docker's minimum of 6 MiB";
            s.EnvironmentMemoryBytes = b;
            return null;
        }, s => s.EnvironmentMemoryBytes),
        new("log_level", "Trace, Debug, Information, Warning or Error", (s, v) =>
        {
            var t = v.Trim();
            if (t.Length == 0 || !char.IsAsciiLetter(t[0]) || !Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(t, true, out var level) || !Enum.IsDefined(level))
                return $"'{v}' is not a log level (Trace, Debug, Information, Warning, Error)";
            s.LogLevel = v;
            return null;
        }, s => s.LogLevel),
    ];

    public static IEnumerable<(string Key, string EnvironmentVariable, string Help)> Describe() =>
        All.Select(s => (s.Key, EnvName(s.Key), s.Help));

    public static string EnvName(string key) => "KOHAKURIVER_" + key.ToUpperInvariant();

    /// <summary>Default config path: KOHAKURIVER_CONFIG, else /etc/kohakuriver/config.json for root, else ~/.config/kohakuriver/config.json.</summary>
    public static string DefaultConfigPath(IDictionary<string, string?> env)
    {
        if (env.TryGetValue("KOHAKURIVER_CONFIG", out var p) && !string.IsNullOrWhiteSpace(p)) return p!;
        if (OperatingSystem.IsLinux() && Environment.UserName == "root") return "/etc/kohakuriver/config.json";
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "kohakuriver", "config.json");
    }

    /// <summary>Loads settings. <paramref name="args"/> are the options after the role (<c>--key value</c>, <c>--key=value</c>);
    /// <c>--config PATH</c> names the file (a named file must exist; the default one may be absent).</summary>
    public static DaemonSettings Load(IReadOnlyList<string> args, IDictionary<string, string?> env)
    {
        var cli = ParseArgs(args, out var configPath);
        var explicitConfig = configPath is not null;
        configPath ??= DefaultConfigPath(env);
        explicitConfig |= env.ContainsKey("KOHAKURIVER_CONFIG") && !string.IsNullOrWhiteSpace(env["KOHAKURIVER_CONFIG"]);

        var settings = new DaemonSettings();
        if (File.Exists(configPath))
        {
            foreach (var (key, value) in ReadConfigFile(configPath))
                Apply(settings, key, value, $"config file {configPath}");
        }
        else if (explicitConfig)
        {
            throw new SettingsException($"config file '{configPath}' does not exist (write one with 'kohakuriver-daemon init --config {configPath}')");
        }

        foreach (var s in All)
            if (env.TryGetValue(EnvName(s.Key), out var v) && v is not null)
                Apply(settings, s.Key, v, $"environment variable {EnvName(s.Key)}");

        foreach (var (key, value) in cli)
            Apply(settings, key, value, $"command-line option --{key.Replace('_', '-')}");

        settings.ConfigPath = configPath;
        if (settings.DefaultPidsLimit > settings.MaxPidsLimit)
            throw new SettingsException($"setting default_pids_limit ({settings.DefaultPidsLimit}) is above max_pids_limit ({settings.MaxPidsLimit})");
        return settings;
    }

    public static Dictionary<string, string?> CurrentEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);

    public static IEnumerable<KeyValuePair<string, object?>> Snapshot(DaemonSettings s) =>
        All.Select(x => new KeyValuePair<string, object?>(x.Key, x.Read(s)));

    private static void Apply(DaemonSettings settings, string key, string value, string source)
    {
        var setting = All.FirstOrDefault(s => s.Key == key)
                      ?? throw new SettingsException($"unknown setting '{key}' in {source}; known settings: {string.Join(", ", All.Select(s => s.Key))}");
        var error = setting.Apply(settings, value);
        if (error is not null) throw new SettingsException($"setting {key} (from {source}): {error}");
    }

    private static List<(string Key, string Value)> ParseArgs(IReadOnlyList<string> args, out string? configPath)
    {
        configPath = null;
        var result = new List<(string, string)>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
                throw new SettingsException($"unexpected argument '{a}'; options are written --setting value");
            var name = a[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (value is null)
            {
                if (i + 1 >= args.Count) throw new SettingsException($"option --{name} needs a value");
                value = args[++i];
            }
            var key = name.Replace('-', '_').ToLowerInvariant();
            if (key == "config") configPath = value;
            else result.Add((key, value));
        }
        return result;
    }

    private static IEnumerable<(string, string)> ReadConfigFile(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SettingsException($"config file {path} is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new SettingsException($"config file {path} must hold one JSON object of settings");
            var list = new List<(string, string)>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var v = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.Number => p.Value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Null => "",
                    JsonValueKind.Array => string.Join(",", p.Value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                    _ => throw new SettingsException($"setting {p.Name} (from config file {path}): expected a string, number, true/false or list, got {p.Value.ValueKind}"),
                };
                list.Add((p.Name, v));
            }
            return list;
        }
    }

    private static string? Empty(string v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();

    private static Setting Port(string key, string help, Action<DaemonSettings, int> set, Func<DaemonSettings, object?> read) =>
        Int(key, help, 0, 65535, set, read);

    private static Setting Int(string key, string help, int min, int max, Action<DaemonSettings, int> set, Func<DaemonSettings, object?> read) =>
        new(key, help, (s, v) =>
        {
            if (!int.TryParse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                return $"'{v}' is not a whole number from {min} to {max}";
            set(s, n);
            return null;
        }, read);

    private static Setting Bool(string key, string help, Action<DaemonSettings, bool> set, Func<DaemonSettings, object?> read) =>
        new(key, help, (s, v) =>
        {
            switch (v.Trim().ToLowerInvariant())
            {
                case "true" or "1" or "yes": set(s, true); return null;
                case "false" or "0" or "no" or "": set(s, false); return null;
                default: return $"'{v}' is not true or false";
            }
        }, read);

    private static Setting Address(string key, string help, Action<DaemonSettings, string> set, Func<DaemonSettings, object?> read) =>
        new(key, help, (s, v) =>
        {
            if (!IPAddress.TryParse(v.Trim(), out _)) return $"'{v}' is not an IP address";
            set(s, v.Trim());
            return null;
        }, read);

    private static Setting Dir(string key, string help, Action<DaemonSettings, string> set, Func<DaemonSettings, object?> read) =>
        new(key, help, (s, v) =>
        {
            if (string.IsNullOrWhiteSpace(v) || !Path.IsPathRooted(v.Trim())) return $"'{v}' is not an absolute path";
            set(s, Path.GetFullPath(v.Trim()));
            return null;
        }, read);

    private static Setting Text(string key, string help, Action<DaemonSettings, string> set, Func<DaemonSettings, object?> read, bool allowEmpty = true) =>
        new(key, help, (s, v) =>
        {
            if (!allowEmpty && string.IsNullOrWhiteSpace(v)) return "must not be empty";
            set(s, v.Trim());
            return null;
        }, read);
}
