using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/submit: one task per target, all in one batch (reference contract, plus name/parameters).</summary>
public sealed class SubmitRequest
{
    public string TaskType { get; set; } = TaskKindNames.Command;
    public string? Name { get; set; }
    public string Command { get; set; } = "";
    public List<string>? Arguments { get; set; }
    public Dictionary<string, string>? EnvVars { get; set; }
    public Dictionary<string, string>? Parameters { get; set; }
    public int? RequiredCores { get; set; }
    /// <summary>GPU ids, one list per target (reference shape).</summary>
    public List<List<int>>? RequiredGpus { get; set; }
    /// <summary>How many GPUs each task needs, chosen by the host (ours; not together with <see cref="RequiredGpus"/>
    /// or GPU ids in a target).</summary>
    public int? RequiredGpuCount { get; set; }
    public long? RequiredMemoryBytes { get; set; }
    /// <summary>The most processes the task may hold at once; the host's default when absent.</summary>
    public int? PidsLimit { get; set; }
    public List<string>? Targets { get; set; }
    public string? ContainerName { get; set; }
    public string? RegistryImage { get; set; }
    public bool? Privileged { get; set; }
    public List<string>? AdditionalMounts { get; set; }
}
