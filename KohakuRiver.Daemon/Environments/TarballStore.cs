using KohakuRiver.Core.Environments;

namespace KohakuRiver.Daemon.Environments;

/// <summary>
/// The shared folder of published environment tarballs, <c>&lt;shared&gt;/kohakuriver-containers/name-&lt;unix seconds&gt;.tar</c>.
/// A tarball is written under a hidden temporary name and renamed into place, so a reader never sees a partial file.
/// </summary>
public sealed class TarballStore(string sharedDir)
{
    public string Folder { get; } = Path.Combine(sharedDir, EnvironmentNames.TarballFolder);

    public List<Tarball> List(string? environment = null)
    {
        if (!Directory.Exists(Folder)) return [];
        var result = new List<Tarball>();
        foreach (var file in new DirectoryInfo(Folder).EnumerateFiles("*.tar"))
        {
            if (!EnvironmentNames.TryParseTarball(file.Name, out var env, out var ts)) continue;
            if (environment is not null && env != environment) continue;
            result.Add(new Tarball(env, ts, file.FullName, file.Length));
        }
        return result.OrderBy(t => t.Environment, StringComparer.Ordinal).ThenByDescending(t => t.Timestamp).ToList();
    }

    /// <summary>The newest tarball of one environment, or null. Cheap: one directory listing filtered by name.</summary>
    public Tarball? Newest(string environment)
    {
        if (!Directory.Exists(Folder)) return null;
        Tarball? best = null;
        foreach (var path in Directory.EnumerateFiles(Folder, environment + "-*.tar"))
        {
            var name = System.IO.Path.GetFileName(path);
            if (!EnvironmentNames.TryParseTarball(name, out var env, out var ts) || env != environment) continue;
            if (best is null || ts > best.Timestamp) best = new Tarball(env, ts, path, 0);
        }
        return best;
    }

    /// <summary>Writes a tarball through a temporary file and renames it into place.</summary>
    public async Task<Tarball> WriteAsync(string environment, long timestamp, Func<Stream, Task> write)
    {
        Directory.CreateDirectory(Folder);
        var final = System.IO.Path.Combine(Folder, EnvironmentNames.TarballName(environment, timestamp));
        var temp = System.IO.Path.Combine(Folder, $".{EnvironmentNames.TarballName(environment, timestamp)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(stream);
                await stream.FlushAsync();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return new Tarball(environment, timestamp, final, new FileInfo(final).Length);
    }

    /// <summary>Deletes every tarball of the environment older than <paramref name="keep"/>; returns their file names.</summary>
    public List<string> PruneOlder(string environment, long keep)
    {
        var pruned = new List<string>();
        foreach (var t in List(environment).Where(t => t.Timestamp < keep))
        {
            File.Delete(t.Path);
            pruned.Add(System.IO.Path.GetFileName(t.Path));
        }
        return pruned;
    }

    /// <summary>Deletes one version (or all, when <paramref name="timestamp"/> is null); returns how many.</summary>
    public int Delete(string environment, long? timestamp)
    {
        var n = 0;
        foreach (var t in List(environment).Where(t => timestamp is null || t.Timestamp == timestamp))
        {
            File.Delete(t.Path);
            n++;
        }
        return n;
    }
}
