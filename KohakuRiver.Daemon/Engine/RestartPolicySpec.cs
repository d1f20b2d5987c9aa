namespace KohakuRiver.Daemon.Engine;

/// <summary>When the engine restarts a container whose process ended.</summary>
public sealed class RestartPolicySpec
{
    /// <summary>"", "no", "always", "unless-stopped" or "on-failure".</summary>
    public string? Name { get; set; }

    public int? MaximumRetryCount { get; set; }
}
