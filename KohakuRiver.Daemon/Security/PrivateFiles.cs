namespace KohakuRiver.Daemon.Security;

/// <summary>
/// The daemon's own state (database, generated tokens) readable by its user only: the data dir 0700 and its files
/// 0600, whether this start created them or an earlier one left them wider. Tasks' environment variables live in the
/// database, so a local user who could read it would read them.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void EnsureDirectory(string directory)
    {
        Directory.CreateDirectory(directory, DirectoryMode);
        File.SetUnixFileMode(directory, DirectoryMode);
    }

    /// <summary>Creates the file empty, 0600 from its first moment, unless it exists; then makes it 0600.</summary>
    public static void EnsureFile(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                using var _ = new FileStream(path, new FileStreamOptions
                {
                    Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode,
                });
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another opener made it first; its mode is corrected below.
            }
        }
        File.SetUnixFileMode(path, FileMode);
    }

    /// <summary>Makes existing files 0600; missing ones are skipped.</summary>
    public static void Restrict(params string[] paths)
    {
        foreach (var path in paths)
            if (File.Exists(path)) File.SetUnixFileMode(path, FileMode);
    }
}
