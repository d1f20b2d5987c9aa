using KohakuRiver.Core.Files;
using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Core.Vps;

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
