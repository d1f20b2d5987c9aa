namespace KohakuRiver.Core.Wire;

/// <summary>A runner's answer to a VPS restart: where sshd now listens.</summary>
public sealed class VpsRestartResponse
{
    public string Message { get; set; } = "";
    public int? SshPort { get; set; }
}
