namespace KohakuRiver.Core.Vps;

/// <summary>What Get-RiverVpsSshConfig needs: the VPS, how to log in, and the cluster it belongs to.</summary>
public sealed class VpsSshConfigRequest
{
    public required long TaskId { get; init; }
    /// <summary>The Host name to write; null gives <c>river-vps-&lt;id&gt;</c>.</summary>
    public string? Alias { get; init; }
    public string User { get; init; } = "root";
    /// <summary>An absolute path; null uses ~/.ssh/kohakuriver/vps-&lt;id&gt; if -GenerateKey saved one, else none.</summary>
    public string? IdentityFile { get; init; }
    public required Uri ApiUri { get; init; }
    public required string Token { get; init; }
    public int? ProxyPort { get; init; }
    /// <summary>Hand the proxied socket to ssh (python3 + ProxyUseFdpass) instead of relaying through bash.</summary>
    public bool FdPassing { get; init; }
}
