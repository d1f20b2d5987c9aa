using System.Text;

namespace KohakuRiver.Core.Files;

/// <summary>
/// Files only their owner may read: private keys and the API token. On Unix the file is created with mode 0600 (never
/// briefly wider: the mode is given when the file is created) and its folder, when this creates it, with 0700, as
/// ssh insists for keys. Writes go to a temporary file in the same folder that is then renamed over the target, so a
/// reader never sees half a key or half a token.
/// </summary>
public static class OwnerOnlyFile
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="directory"/> (and missing parents) owner-only; an existing one is left as it is.</summary>
    public static void EnsureDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (Directory.Exists(directory)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, DirectoryMode);
    }

    /// <summary>Writes <paramref name="content"/> (UTF-8, no BOM) to <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(string path, string content, bool overwrite = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        EnsureDirectory(directory);
        if (!overwrite && File.Exists(full)) throw new IOException($"{full} already exists; give another path or remove it first");
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, Options(System.IO.FileMode.CreateNew)))
            {
                stream.Write(new UTF8Encoding(false).GetBytes(content));
                stream.Flush(flushToDisk: true);
            }
            // Without overwrite, a writer that got there between the check and now keeps what it wrote.
            File.Move(temp, full, overwrite);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes the file unless it already holds exactly <paramref name="content"/> with owner-only access;
    /// true when it wrote. Spares a rename (and a changed timestamp) when nothing changed.</summary>
    public static bool WriteIfChanged(string path, string content)
    {
        var full = Path.GetFullPath(path);
        try
        {
            if (File.Exists(full) && IsOwnerOnly(full) && File.ReadAllText(full) == content) return false;
        }
        catch (IOException)
        {
            // Unreadable as it is: write it anew.
        }
        Write(full, content);
        return true;
    }

    /// <summary>Whether only the owner may read or write the file (always true where there are no Unix modes).</summary>
    public static bool IsOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows()) return true;
        var mode = File.GetUnixFileMode(path);
        return (mode & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)) == 0;
    }

    private static FileStreamOptions Options(System.IO.FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return options;
    }
}
