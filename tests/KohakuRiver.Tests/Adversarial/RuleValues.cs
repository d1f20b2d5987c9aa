using System.Text.Json.Nodes;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// Values that the host's rules forbid for fields of a given meaning (mounts, images, environment names, targets,
/// resources), shared by the task, VPS and environment endpoints. Each is wrong whatever the rest of the request says.
/// </summary>
public static class RuleValues
{
    public static string Repeat(int length, char c = 'a') => new(c, length);

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    public static IEnumerable<(string Why, string Mount)> BadMounts(FuzzTargets t)
    {
        var dir = t.MountableDir;
        yield return ("relative host path", "relative:/x");
        yield return ("relative container path", $"{dir}:relative");
        yield return ("'..' in the host path", $"{dir}/..:/x");
        yield return ("'..' in the container path", $"{dir}:/data/../etc");
        yield return ("NUL byte", $"{dir}\0:/x");
        yield return ("mode rx", $"{dir}:/data:rx");
        yield return ("mode RO (upper case)", $"{dir}:/data:RO");
        yield return ("four parts", $"{dir}:/data:ro:rw");
        yield return ("no container path", dir);
        yield return ("empty", "");
        yield return ("/run/docker.sock", "/run/docker.sock:/s");
        yield return ("/var/run/docker.sock", "/var/run/docker.sock:/s");
        yield return ("/var/run (holds the Docker socket)", "/var/run:/v");
        yield return ("/proc/self/root", "/proc/self/root:/x");
        yield return ("/", "/:/x");
        yield return ("/etc", "/etc:/hostetc");
        yield return ("a path that does not exist", $"/nonexistent-kohakuriver-fuzz-{t.EnvironmentPrefix}:/x");
        yield return ("a symlink to /", $"{t.LinkToRoot}:/x");
        yield return ("the host's data dir", $"{t.HostDataDir}:/x");
        yield return ("over /shared", $"{dir}:/shared");
        yield return ("over /shared/ (trailing slash)", $"{dir}:/shared/");
        yield return ("over /local_temp", $"{dir}:/local_temp");
        yield return ($"{RequestLimits.MaxMountBytes + 1} bytes", $"{dir}:/{Repeat(RequestLimits.MaxMountBytes - dir.Length - 1)}");
    }

    public static IEnumerable<(string Why, string Image)> BadImages() =>
    [
        ("empty", ""),
        ("a space", "a b"),
        ("upper case", "UPPER/Case"),
        ("a path", "../../containers"),
        ("empty tag", "x:"),
        ("bad digest", "@sha256:zz"),
        ("NUL byte", "kohakuriver/busybox:base\0"),
        ($"{RequestLimits.MaxImageReferenceLength + 1} characters", Repeat(RequestLimits.MaxImageReferenceLength + 1)),
    ];

    public static IEnumerable<(string Why, string Name)> BadEnvironmentNames() =>
    [
        ("upper case", "UPPER"),
        ("a space", "a b"),
        ("a path", "../x"),
        ("empty", ""),
        ("65 characters", Repeat(65)),
        ("300 characters", Repeat(300)),
        ("NUL byte", "busy\0box"),
        ("leading '-'", "-x"),
    ];

    public static IEnumerable<(string Why, string Target)> BadTargets(FuzzTargets t) =>
    [
        ("malformed node name", "bad name!"),
        ("NUMA id not a number", "n:x"),
        ("unknown node", "kohakuriver-fuzz-no-such-node"),
        ("empty", ""),
        ("NUL byte", t.NodeName + "\0"),
        ("GPU on a node without GPUs", t.NodeName + "::0"),
        ("GPU id not a number", t.NodeName + "::x"),
        ("GPU id twice", t.NodeName + "::0,0"),
        ("NUMA node the node lacks", t.NodeName + ":99"),
        ("negative NUMA id", t.NodeName + ":-1"),
    ];

    /// <summary>Rules on the resources of a task or VPS (both bodies use the same names).</summary>
    public static IEnumerable<BodyMutation> BadResources(FuzzTargets t) =>
    [
        BodyMutation.Set("required_cores", "negative", -1),
        BodyMutation.Set("required_cores", "above every node", 1000),
        BodyMutation.Set("required_cores", "int.MaxValue", int.MaxValue),
        BodyMutation.Set("required_memory_bytes", "zero", 0),
        BodyMutation.Set("required_memory_bytes", "negative", -1),
        BodyMutation.Set("required_memory_bytes", "1 KiB (below 6 MiB)", 1024),
        BodyMutation.Set("required_memory_bytes", "6 MiB - 1", (6L << 20) - 1),
        BodyMutation.Set("required_memory_bytes", "above the node", t.NodeMemoryBytes + 1),
        BodyMutation.Set("required_memory_bytes", "1 EiB", 1L << 60),
        BodyMutation.Set("pids_limit", "zero", 0),
        BodyMutation.Set("pids_limit", "negative", -1),
        BodyMutation.Set("pids_limit", "10^9", 1_000_000_000),
    ];
}
