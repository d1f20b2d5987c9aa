using System.Globalization;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// Where the VPS cmdlets keep their files, all under the user's ~/.ssh: the keys New-RiverVps -GenerateKey makes
/// (<c>~/.ssh/kohakuriver/vps-&lt;id&gt;</c>), and one known_hosts file for every VPS
/// (<c>~/.ssh/kohakuriver/known_hosts</c>, entries named <c>river-vps-&lt;id&gt;</c>) shared by Connect-RiverVps and
/// the ssh_config entries, so the user's own known_hosts never fills with loopback ports.
/// </summary>
public static class VpsKeyFiles
{
    public const string FolderName = "kohakuriver";

    /// <summary>The public keys New-RiverVps uses when given no key option, in this order.</summary>
    public static readonly IReadOnlyList<string> DefaultPublicKeyNames = ["id_ed25519.pub", "id_rsa.pub"];

    /// <summary>~/.ssh ($HOME, or the user profile where HOME is not set).</summary>
    public static string SshDirectory(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".ssh");
    }

    /// <summary>~/.ssh/kohakuriver.</summary>
    public static string KeyDirectory(Func<string, string?> environment) => Path.Combine(SshDirectory(environment), FolderName);

    public static string KnownHostsFile(string keyDirectory) => Path.Combine(keyDirectory, "known_hosts");

    public static string DefaultIdentityFile(string keyDirectory, long taskId) =>
        Path.Combine(keyDirectory, "vps-" + taskId.ToString(CultureInfo.InvariantCulture));

    /// <summary>The key -GenerateKey saved for this VPS, if it is there.</summary>
    public static string? ExistingIdentityFile(string keyDirectory, long taskId) =>
        DefaultIdentityFile(keyDirectory, taskId) is var path && File.Exists(path) ? path : null;

    /// <summary>The first of ~/.ssh/id_ed25519.pub and ~/.ssh/id_rsa.pub that exists, else null.</summary>
    public static string? FindDefaultPublicKey(string sshDirectory) =>
        DefaultPublicKeyNames.Select(n => Path.Combine(sshDirectory, n)).FirstOrDefault(File.Exists);

    /// <summary>The private key that goes with a public key file (the same path without .pub), if it is there.</summary>
    public static string? PrivateKeyFor(string publicKeyPath) =>
        publicKeyPath.EndsWith(".pub", StringComparison.Ordinal) && File.Exists(publicKeyPath[..^4]) ? publicKeyPath[..^4] : null;

    /// <summary>
    /// The one public key in a .pub file: the first line that is neither blank nor a comment, trimmed, and checked as
    /// authorized_keys would take it. A file holding a private key is refused with a message that says so.
    /// </summary>
    public static string ReadPublicKey(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (info.Exists && info.Length > 64 * 1024) throw new FormatException($"{path} is too large to be a public key file");
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.Contains("PRIVATE KEY", StringComparison.Ordinal))
                throw new FormatException($"{path} holds a private key; give the public key (the .pub file)");
            return SshPublicKeyText.Check(line, path);
        }
        throw new FormatException($"{path} holds no public key");
    }
}
