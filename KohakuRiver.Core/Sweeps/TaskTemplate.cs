using KohakuRiver.Core.Parsing;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// What <c>Submit-RiverTask</c> was given, before any sweep point fills it: every text field may hold
/// <c>{placeholder}</c>s (command, arguments, name, environment-variable values, targets, mounts).
/// </summary>
public sealed class TaskTemplate
{
    public required string Command { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public string? Name { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> EnvironmentVariables { get; init; } = [];
    public int? Cores { get; init; }
    public long? MemoryBytes { get; init; }
    /// <summary>The most processes each task may hold at once; null takes the host's default.</summary>
    public int? PidsLimit { get; init; }
    /// <summary>Each target gets its own task (one batch); none lets the host place it.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
    /// <summary>How many GPUs each task needs, chosen by the host; null for none (or for GPU ids in the targets).</summary>
    public int? Gpus { get; init; }
    public string? Environment { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string> Mounts { get; init; } = [];
    public bool? Privileged { get; init; }

    /// <summary>Checks what can be checked before any point arrives: a command, sane resources, targets that hold no
    /// placeholder must parse, and a GPU count is 1 to 64 and not given with targets that name GPU ids.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Command)) throw new ArgumentException("the command is empty", nameof(Command));
        if (Cores is < 0) throw new ArgumentException($"cores must be 0 or more, got {Cores}", nameof(Cores));
        if (MemoryBytes is <= 0) throw new ArgumentException($"memory must be positive, got {MemoryBytes} bytes", nameof(MemoryBytes));
        if (PidsLimit is <= 0) throw new ArgumentException($"the pids limit must be positive, got {PidsLimit}", nameof(PidsLimit));
        foreach (var (key, _) in EnvironmentVariables)
            if (string.IsNullOrEmpty(key) || key.Contains('='))
                throw new ArgumentException($"environment variable name '{key}' is not valid", nameof(EnvironmentVariables));
        foreach (var t in Targets)
            if (!PlaceholderTemplate.Parse(t).HasPlaceholders && !TargetSpec.TryParse(t, out _, out var error))
                throw new ArgumentException(error, nameof(Targets));
        GpuCount.Check(Gpus, Targets.Where(t => !PlaceholderTemplate.Parse(t).HasPlaceholders));
    }
}
