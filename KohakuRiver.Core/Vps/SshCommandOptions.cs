namespace KohakuRiver.Core.Vps;

/// <summary>How Connect-RiverVps runs the system ssh against a loopback forwarder.</summary>
public sealed class SshCommandOptions
{
    /// <summary>The forwarder's port on 127.0.0.1.</summary>
    public required int Port { get; init; }
    public required long TaskId { get; init; }
    public string User { get; init; } = "root";
    public required string KnownHostsFile { get; init; }
    public string? IdentityFile { get; init; }
    /// <summary>The user's own ssh options; they come first, so an <c>-o</c> given here wins over ours.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
    /// <summary>A command to run instead of a login shell.</summary>
    public string? RemoteCommand { get; init; }
}
