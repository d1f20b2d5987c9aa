namespace KohakuRiver.Core.Vps;

/// <summary>One run of the system ssh against a VPS.</summary>
public sealed class VpsSshSessionOptions
{
    /// <summary>The ssh program (<see cref="SshCommandLine.FindSsh"/>).</summary>
    public required string SshPath { get; init; }
    public required SshProxyAddress Proxy { get; init; }
    public required long TaskId { get; init; }
    public required string Token { get; init; }
    public string User { get; init; } = "root";
    public string? IdentityFile { get; init; }
    public required string KnownHostsFile { get; init; }
    public IReadOnlyList<string> SshArguments { get; init; } = [];
    public string? RemoteCommand { get; init; }
}
