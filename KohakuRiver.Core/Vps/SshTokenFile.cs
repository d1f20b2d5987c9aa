using System.Globalization;
using System.Text;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Files;
using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// The file the ssh_config entries' ProxyCommand reads the API token from (<c>cat FILE</c>), so the token is in no
/// config file and on no command line: one file per cluster (host and port), next to the client config
/// (<c>~/.config/kohakuriver/tokens/HOST-PORT</c>), owner-only. The client config itself is JSON and cannot serve.
/// </summary>
public static class SshTokenFile
{
    public const string FolderName = "tokens";

    /// <summary>The folder of the per-user client config (~/.config/kohakuriver, or as $KOHAKURIVER_CLIENT_CONFIG says).</summary>
    public static string ConfigDirectory(Func<string, string?> environment) =>
        Path.GetDirectoryName(Path.GetFullPath(ClientConfigFile.DefaultPath(environment)))!;

    public static string PathFor(string configDirectory, Uri apiUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDirectory);
        ArgumentNullException.ThrowIfNull(apiUri);
        var name = new StringBuilder();
        foreach (var c in apiUri.DnsSafeHost.ToLowerInvariant())
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_');
        name.Append('-').Append(apiUri.Port.ToString(CultureInfo.InvariantCulture));
        return Path.Combine(configDirectory, FolderName, name.ToString());
    }

    /// <summary>Writes the token (owner-only) unless the file already holds it; returns the file's path.</summary>
    public static string Ensure(string configDirectory, Uri apiUri, string token)
    {
        // The token goes into a request line: the tunnel's own check says what it may hold.
        _ = SshTunnel.FormatRequest(1, token);
        var path = PathFor(configDirectory, apiUri);
        OwnerOnlyFile.EnsureDirectory(Path.GetDirectoryName(path)!);
        OwnerOnlyFile.WriteIfChanged(path, token + "\n");
        return path;
    }
}
