using System.Text;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Security;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Host.Submission;

/// <summary>
/// The checks every submission gets before anything is stored: sizes against <see cref="RequestLimits"/>, no NUL or
/// other control characters where they would be cut or misread later, valid names, image references and mounts,
/// privilege only where the operator allows it. Each failure is an invalid-request <see cref="HostException"/> that names the field and the limit.
/// Placement (can a node ever run it?) is the scheduler's, not this class's.
/// </summary>
public sealed class SubmissionValidator(DaemonSettings settings)
{
    /// <summary>Every task and VPS reserves, and is limited to, at least this many cores, so that what the scheduler
    /// counts is what runs. A request for 0 (the reference's "no limit") is raised to it.</summary>
    public const int MinCores = 1;

    private readonly MountSecurityPolicy _mounts = new(settings, "the host");

    public ContainerRequest CheckTask(SubmitRequest r, string label)
    {
        if (r.TaskType != TaskKindNames.Command)
            throw Bad(label, $"task_type '{ShownText.Of(r.TaskType)}' is not supported here; use 'command'");
        var total = TextFields(label, r.Command, r.Name, r.Arguments, r.EnvVars, r.Parameters);
        if (r.Targets is { Count: > RequestLimits.MaxTargets } targets)
            throw Bad(label, $"targets lists {targets.Count} targets; at most {RequestLimits.MaxTargets} are allowed");
        if (r.RequiredGpus is { } gpuLists)
        {
            if (gpuLists.Count > RequestLimits.MaxTargets)
                throw Bad(label, $"required_gpus has {gpuLists.Count} lists; at most {RequestLimits.MaxTargets} are allowed");
            foreach (var list in gpuLists) GpuIds(label, list);
        }
        GpuCount(label, r.RequiredGpuCount, r.RequiredGpus is { } lists && lists.Any(l => l is { Count: > 0 }));
        if (r.Privileged == true && !settings.AllowPrivileged)
            throw Bad(label, "privileged containers are not allowed on this cluster (they are root on the node); an operator can allow them with the setting allow_privileged");
        var request = Container(label, r.RequiredCores, r.RequiredMemoryBytes, r.PidsLimit, r.AdditionalMounts, r.ContainerName, r.RegistryImage, ref total);
        if (total > RequestLimits.MaxTaskBytes)
            throw Bad(label, $"the task's name, command, arguments, environment, parameters and mounts weigh {total} bytes together; at most {RequestLimits.MaxTaskBytes} are allowed");
        return request;
    }

    public ContainerRequest CheckVps(VpsCreateRequest r)
    {
        var total = Name("", r.Name);
        if (r.RequiredGpus is { } gpus) GpuIds("", gpus);
        GpuCount("", r.RequiredGpuCount, r.RequiredGpus is { Count: > 0 });
        if (r.TargetHostname is { } node && !TargetSpec.IsValidNodeName(node))
            throw Bad("", $"target_hostname '{ShownText.Of(node)}' is not a valid node name");
        if (r.TargetNumaNodeId is < 0) throw Bad("", "target_numa_node_id must be 0 or more");
        Text("ssh_public_key", r.SshPublicKey, RequestLimits.MaxSshPublicKeyBytes);
        return Container("", r.RequiredCores, r.RequiredMemoryBytes, r.PidsLimit, r.AdditionalMounts, r.ContainerName, r.RegistryImage, ref total);
    }

    /// <summary>
    /// A task as the host hands it to a runner (POST /api/execute): the runner holds the same rules, so that a task it
    /// runs was checked where it runs, whatever sent it. Mounts are judged later, against this node's filesystem.
    /// </summary>
    public static void CheckDispatched(TaskDto t)
    {
        if (t.TaskId <= 0) throw Bad("", "task_id must be a positive task id");
        if (t.BatchId is <= 0) throw Bad("", "batch_id must be a positive id when given");
        var vps = t.TaskType == TaskKindNames.Vps;
        if (!vps && t.TaskType != TaskKindNames.Command) throw Bad("", $"task_type '{ShownText.Of(t.TaskType)}' is neither command nor vps");
        var total = TextFields("", t.Command, t.Name, t.Arguments, t.EnvVars, t.Parameters);
        if (t.RequiredCores < 0) throw Bad("", $"required_cores must be 0 or more, got {t.RequiredCores}");
        if (t.RequiredMemoryBytes is { } mem && mem < 6L << 20) throw Bad("", $"required_memory_bytes {mem} is below Docker's minimum of 6 MiB");
        if (t.PidsLimit is < SettingsLoader.MinPidsLimit) throw Bad("", $"pids_limit must be {SettingsLoader.MinPidsLimit} or more, got {t.PidsLimit}");
        if (t.TargetNumaNodeId is < 0) throw Bad("", "target_numa_node_id must be 0 or more");
        GpuIds("", t.RequiredGpus);
        EnvironmentAndImage("", t.Environment, t.Image);
        EnvironmentAndImage("", null, t.DockerImageName);
        if (t.AdditionalMounts is null || t.AdditionalMounts.Count > RequestLimits.MaxMounts)
            throw Bad("", $"additional_mounts must be a list of at most {RequestLimits.MaxMounts} mounts");
        foreach (var m in t.AdditionalMounts)
        {
            if (!Runner.Execution.MountSpec.TryParse(m, out _, out var error)) throw Bad("", error!);
            total += Encoding.UTF8.GetByteCount(m);
        }
        if (total > RequestLimits.MaxTaskBytes)
            throw Bad("", $"the task weighs {total} bytes; at most {RequestLimits.MaxTaskBytes} are allowed");
        if (vps && !SshKeyModeNames.TryParse(t.SshKeyMode, out _))
            throw Bad("", $"ssh_key_mode '{ShownText.Of(t.SshKeyMode)}' is not one of {SshKeyModeNames.AllWireNames}");
        Text("ssh_public_key", t.SshPublicKey, RequestLimits.MaxSshPublicKeyBytes);
    }

    /// <summary>A submission's size in tasks, one per target of each specification.</summary>
    public static void CheckBatchSize(IReadOnlyList<SubmitRequest> specs)
    {
        if (specs.Count == 0) throw HostException.Invalid("no tasks given");
        var tasks = specs.Sum(s => (long)(s.Targets is { Count: > 0 } targets ? targets.Count : 1));
        if (tasks > RequestLimits.MaxBatchTasks)
            throw HostException.Invalid($"the submission makes {tasks} tasks; at most {RequestLimits.MaxBatchTasks} are allowed in one batch (split it)");
    }

    /// <summary>A one-shot command (an environment's exec): a shell line or an argument vector, within the task limits.</summary>
    public static void CheckCommandLine(string? command, List<string>? arguments)
    {
        Text("command", command, RequestLimits.MaxCommandBytes);
        Arguments("", arguments);
    }

    /// <summary>An image reference the engine will be asked about: Docker's grammar, so that it never changes which
    /// Engine API path is called.</summary>
    public static void CheckImage(string field, string? image)
    {
        if (image is null) return;
        if (ImageReference.Why(image) is { } why) throw HostException.Invalid($"{field}: {ShownText.Of(why)}");
    }

    private ContainerRequest Container(string label, int? requiredCores, long? memory, int? pidsLimit, List<string>? mounts,
        string? environment, string? image, ref int total)
    {
        var cores = requiredCores ?? MinCores;
        if (cores < 0) throw Bad(label, $"required_cores must be 0 or more, got {cores}");
        cores = Math.Max(cores, MinCores);
        if (memory is { } mem && mem <= 0) throw Bad(label, $"required_memory_bytes must be positive, got {mem}");
        if (memory is { } small && small < 6L << 20)
            throw Bad(label, $"required_memory_bytes {small} is below Docker's minimum of 6 MiB");
        var pids = pidsLimit ?? settings.DefaultPidsLimit;
        if (pids < SettingsLoader.MinPidsLimit || pids > settings.MaxPidsLimit)
            throw Bad(label, $"pids_limit must be from {SettingsLoader.MinPidsLimit} to {settings.MaxPidsLimit} (setting max_pids_limit), got {pids}");
        EnvironmentAndImage(label, environment, image);

        var list = mounts ?? [];
        if (list.Count > RequestLimits.MaxMounts)
            throw Bad(label, $"additional_mounts lists {list.Count} mounts; at most {RequestLimits.MaxMounts} are allowed");
        foreach (var m in list)
        {
            total += Encoding.UTF8.GetByteCount(m ?? "");
            var check = _mounts.Check(m ?? "", mustExist: settings.HostSharesRunnerFilesystem);
            if (!check.Allowed) throw Bad(label, check.Error!);
        }
        return new ContainerRequest(cores, memory, pids, list);
    }

    /// <summary>The free-text fields of a task, each within its limit; returns their size together.</summary>
    private static int TextFields(string label, string command, string? name, List<string>? arguments,
        Dictionary<string, string>? env, Dictionary<string, string>? parameters)
    {
        if (string.IsNullOrWhiteSpace(command)) throw Bad(label, "command is empty");
        return Text("command", command, RequestLimits.MaxCommandBytes, label) + Name(label, name) +
               Arguments(label, arguments) + EnvVars(label, env) + Parameters(label, parameters);
    }

    private static int Name(string label, string? name)
    {
        if (name is not null && name.Any(char.IsControl)) throw Bad(label, $"name '{ShownText.Of(name)}' contains a control character");
        return Text("name", name, RequestLimits.MaxNameBytes, label);
    }

    private static void EnvironmentAndImage(string label, string? environment, string? image)
    {
        if (environment is { } env && !EnvironmentNames.IsValid(env))
            throw Bad(label, $"container_name '{ShownText.Of(env)}' is not a valid environment name (lowercase letters and digits joined by '.', '_' or '-')");
        if (image is not null && ImageReference.Why(image) is { } why) throw Bad(label, $"registry_image: {ShownText.Of(why)}");
    }

    private static int Arguments(string label, List<string>? arguments)
    {
        if (arguments is null) return 0;
        if (arguments.Count > RequestLimits.MaxArguments)
            throw Bad(label, $"arguments has {arguments.Count} items; at most {RequestLimits.MaxArguments} are allowed");
        var total = 0;
        for (var i = 0; i < arguments.Count; i++)
            total += Text($"arguments[{i}]", arguments[i] ?? throw Bad(label, $"arguments[{i}] is null"), RequestLimits.MaxArgumentsBytes, label);
        if (total > RequestLimits.MaxArgumentsBytes)
            throw Bad(label, $"arguments weigh {total} bytes together; at most {RequestLimits.MaxArgumentsBytes} are allowed");
        return total;
    }

    private static int EnvVars(string label, Dictionary<string, string>? env) =>
        Map(label, "env_vars", env, RequestLimits.MaxEnvVars, "variables", RequestLimits.MaxEnvBytes, name =>
            !IsEnvName(name) ? "is not a valid variable name (a letter or '_', then letters, digits, '_', '.' or '-')"
            : Encoding.UTF8.GetByteCount(name) > RequestLimits.MaxEnvNameBytes ? $"is longer than {RequestLimits.MaxEnvNameBytes} bytes"
            : null);

    private static int Parameters(string label, Dictionary<string, string>? parameters) =>
        Map(label, "parameters", parameters, RequestLimits.MaxParameters, "entries", RequestLimits.MaxParametersBytes, name =>
            name.Length == 0 || name.Any(char.IsControl) ? "is empty or contains a control character" : null);

    /// <summary>A map of names to values (environment variables, sweep parameters): a bound on entries, a rule for
    /// names, no NUL in values, and a bound on names and values together. Returns their size.</summary>
    private static int Map(string label, string field, Dictionary<string, string>? map, int maxEntries, string entries, int maxBytes,
        Func<string, string?> whyBadName)
    {
        if (map is null) return 0;
        if (map.Count > maxEntries) throw Bad(label, $"{field} has {map.Count} {entries}; at most {maxEntries} are allowed");
        var total = 0;
        foreach (var (name, value) in map)
        {
            if (whyBadName(name) is { } why) throw Bad(label, $"{field} name '{ShownText.Of(name)}' {why}");
            total += Encoding.UTF8.GetByteCount(name);
            total += Text($"{field} value of {name}", value ?? throw Bad(label, $"{field} value of {name} is null"), maxBytes, label);
        }
        if (total > maxBytes) throw Bad(label, $"{field} weigh {total} bytes together; at most {maxBytes} are allowed");
        return total;
    }

    private static void GpuIds(string label, List<int>? ids)
    {
        if (ids is null) return;
        if (ids.Count > RequestLimits.MaxGpuIds) throw Bad(label, $"a GPU list has {ids.Count} ids; at most {RequestLimits.MaxGpuIds} are allowed");
        if (ids.FirstOrDefault(id => id < 0) is var negative and < 0) throw Bad(label, $"GPU id {negative} is negative");
        if (ids.Distinct().Count() != ids.Count) throw Bad(label, "a GPU list names the same GPU twice");
    }

    /// <summary>A number of GPUs for the host to choose: 1 to <see cref="RequestLimits.MaxGpuIds"/>, and never together
    /// with GPU ids (<paramref name="idsToo"/>), which would say twice, perhaps differently, which GPUs the task gets.</summary>
    private static void GpuCount(string label, int? count, bool idsToo)
    {
        if (count is not { } n) return;
        if (n < 1 || n > RequestLimits.MaxGpuIds)
            throw Bad(label, $"required_gpu_count must be from 1 to {RequestLimits.MaxGpuIds}, got {n}");
        if (idsToo)
            throw Bad(label, "required_gpu_count and required_gpus cannot be given together: ask for a number of GPUs or for GPU ids, not both");
    }

    /// <summary>Targets that name GPU ids leave nothing for required_gpu_count to choose: both together are refused.</summary>
    public static void CheckGpuCountAgainstTargets(string label, int? count, IEnumerable<TargetSpec?> targets)
    {
        if (count is null) return;
        if (targets.FirstOrDefault(t => t?.GpuIds is { Count: > 0 }) is { } withIds)
            throw Bad(label, $"required_gpu_count and the GPU ids in target '{withIds}' cannot be given together: ask for a number of GPUs or for GPU ids, not both");
    }

    /// <summary>A letter or '_', then letters, digits, '_', '.' or '-' (what shells and Docker pass on unchanged).</summary>
    public static bool IsEnvName(string? name) =>
        name is { Length: > 0 } && (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static HostException Bad(string label, string detail) => HostException.Invalid(label + detail);

    /// <summary>The wire's rule for free text (no NUL, a size bound), reported as a host error; returns the size.</summary>
    private static int Text(string field, string? value, int maxBytes, string label = "") =>
        WireChecks.WhyTextRefused(field, value, maxBytes, label, out var bytes) is { } why ? throw HostException.Invalid(why) : bytes;
}
