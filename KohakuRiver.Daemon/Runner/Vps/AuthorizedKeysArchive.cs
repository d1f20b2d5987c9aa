using System.Formats.Tar;
using System.Text;
using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Daemon.Runner.Vps;

/// <summary>
/// The tar that puts a VPS user's public key in place, extracted at <c>/root</c> through the Engine API's
/// archive endpoint. The key travels as file content, never through a shell command, so a key cannot
/// inject anything; modes and ownership are what sshd's StrictModes demands (directory 0700, file 0600, root).
/// </summary>
public static class AuthorizedKeysArchive
{
    public const string ExtractAt = "/root";

    /// <param name="modifiedAt">The entries' modification time; now when not given.</param>
    /// <exception cref="ArgumentException">The line is not a single valid public key (see <see cref="SshKeyPair.IsValidPublicKey"/>).</exception>
    public static MemoryStream Build(string publicKeyLine, DateTimeOffset? modifiedAt = null)
    {
        if (!SshKeyPair.IsValidPublicKey(publicKeyLine, out string error))
            throw new ArgumentException($"Invalid SSH public key: {error}", nameof(publicKeyLine));

        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var now = modifiedAt ?? DateTimeOffset.UtcNow;
            writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, ".ssh/")
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                Uid = 0, Gid = 0, UserName = "root", GroupName = "root", ModificationTime = now,
            });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, ".ssh/authorized_keys")
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                Uid = 0, Gid = 0, UserName = "root", GroupName = "root", ModificationTime = now,
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(publicKeyLine + "\n")),
            });
        }
        tar.Position = 0;
        return tar;
    }
}
