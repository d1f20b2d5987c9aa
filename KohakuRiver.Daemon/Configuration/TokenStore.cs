using System.Security.Cryptography;

namespace KohakuRiver.Daemon.Configuration;

/// <summary>
/// Fills in missing tokens: a token not configured is read from, or generated into, an owner-only file under the
/// data dir, so that a host restart keeps the tokens its clients and runners already hold.
/// </summary>
public static class TokenStore
{
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static void EnsureHostTokens(DaemonSettings settings, Action<string> announce)
    {
        Security.PrivateFiles.EnsureDirectory(settings.DataDir);
        settings.ApiToken ??= ReadOrCreate(Path.Combine(settings.DataDir, "api-token"), "API token", announce);
        settings.ClusterToken ??= ReadOrCreate(Path.Combine(settings.DataDir, "cluster-token"), "cluster token", announce);
    }

    private static string ReadOrCreate(string path, string what, Action<string> announce)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length > 0)
            {
                announce($"{what} read from {path}");
                return existing;
            }
        }
        var token = NewToken();
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write,
                   UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        using (var w = new StreamWriter(f))
        {
            w.Write(token);
        }
        File.Move(tmp, path, overwrite: true);
        announce($"{what} generated and stored (owner-readable only) in {path}");
        return token;
    }
}
