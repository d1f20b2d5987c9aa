using KohakuRiver.Core.Files;
using KohakuRiver.Core.Ssh;

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

/// <summary>
/// An ssh_config <c>Host</c> block for a VPS (see <see cref="SshConfigEntry"/>): it writes the API token to its
/// owner-only file and makes sure the shared known_hosts folder exists, then renders the block, so that
/// <c>Get-RiverVpsSshConfig 123 | Add-Content ~/.ssh/config</c> makes <c>ssh river-vps-123</c>, scp, rsync and
/// editors' remote modes work.
/// </summary>
public static class VpsSshConfig
{
    public static string Prepare(VpsSshConfigRequest request, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(environment);
        var proxy = SshProxyAddress.For(request.ApiUri, request.ProxyPort, environment);
        var keyDirectory = VpsKeyFiles.KeyDirectory(environment);
        var identity = request.IdentityFile ?? VpsKeyFiles.ExistingIdentityFile(keyDirectory, request.TaskId);
        var alias = string.IsNullOrWhiteSpace(request.Alias) ? SshConfigEntry.HostKeyAlias(request.TaskId) : request.Alias.Trim();
        var knownHosts = VpsKeyFiles.KnownHostsFile(keyDirectory);
        // Render checks every input before anything is written.
        _ = SshConfigEntry.Render(alias, proxy.Host, proxy.Port, request.TaskId, SshTokenFile.PathFor(SshTokenFile.ConfigDirectory(environment), request.ApiUri),
            request.User, identity, knownHosts);
        var tokenFile = SshTokenFile.Ensure(SshTokenFile.ConfigDirectory(environment), request.ApiUri, request.Token);
        OwnerOnlyFile.EnsureDirectory(keyDirectory);
        return SshConfigEntry.Render(alias, proxy.Host, proxy.Port, request.TaskId, tokenFile, request.User, identity, knownHosts, request.FdPassing);
    }
}
