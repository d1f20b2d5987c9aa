namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/docker/host/exec/{env}: a one-shot command inside the environment container.</summary>
public sealed class EnvironmentExecRequest
{
    /// <summary>A shell command line (run under /bin/sh -c) …</summary>
    public string? Command { get; set; }
    /// <summary>… or an argument vector run as is.</summary>
    public List<string>? Arguments { get; set; }
    public double? TimeoutSeconds { get; set; }
}
