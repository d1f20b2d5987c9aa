using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// A generated key pair on disk before the VPS exists, so that the key cannot be lost between the host's answer and
/// the write: at a path the user chose, or under a temporary name in ~/.ssh/kohakuriver that <see cref="Complete"/>
/// renames to <c>vps-&lt;id&gt;</c> once the id is known. Disposed before completion (the VPS was not made), it
/// deletes what it wrote. The private key goes to the file only.
/// </summary>
public sealed class GeneratedKeyFile : IDisposable
{
    private readonly string _keyDirectory;
    private readonly bool _chosenPath;
    private bool _completed;

    private GeneratedKeyFile(string keyDirectory, string path, bool chosenPath, string publicKey)
    {
        _keyDirectory = keyDirectory;
        Path = path;
        _chosenPath = chosenPath;
        PublicKey = publicKey;
    }

    /// <summary>Where the private key is now (and the public one, with .pub added).</summary>
    public string Path { get; private set; }

    public string PublicKey { get; }

    /// <summary>Writes the pair, owner-only. A chosen path that already exists is refused (IOException), so an
    /// existing key is never overwritten.</summary>
    public static GeneratedKeyFile Stage(SshKeyPair pair, string keyDirectory, string? chosenPath = null)
    {
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentException.ThrowIfNullOrEmpty(keyDirectory);
        var path = chosenPath is null
            ? System.IO.Path.Combine(keyDirectory, $".vps-pending-{Guid.NewGuid():N}")
            : System.IO.Path.GetFullPath(chosenPath);
        Files.OwnerOnlyFile.EnsureDirectory(keyDirectory);
        Files.OwnerOnlyFile.Write(path, pair.PrivateKeyPem, overwrite: false);
        try
        {
            Files.OwnerOnlyFile.Write(path + ".pub", pair.PublicKeyOpenSsh + "\n", overwrite: chosenPath is null);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        return new GeneratedKeyFile(keyDirectory, path, chosenPath is not null, pair.PublicKeyOpenSsh);
    }

    /// <summary>
    /// The VPS exists: keep the key, under <c>vps-&lt;id&gt;</c> unless the user chose the path, and return its path.
    /// If the rename fails the key stays where it is (<see cref="Path"/>, never deleted from then on) and the
    /// IOException says where.
    /// </summary>
    public string Complete(long taskId)
    {
        if (_completed) return Path;
        _completed = true;
        if (_chosenPath) return Path;
        var pending = Path;
        var final = VpsKeyFiles.DefaultIdentityFile(_keyDirectory, taskId);
        try
        {
            File.Move(pending, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"VPS {taskId} was made, but its private key could not be renamed to {final} and stays at {pending}: {e.Message}", e);
        }
        Path = final;
        try
        {
            File.Move(pending + ".pub", final + ".pub", overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The public half is a convenience (ssh-keygen -y recreates it); the private key is where it belongs.
        }
        return Path;
    }

    public void Dispose()
    {
        if (_completed) return;
        _completed = true;
        File.Delete(Path);
        File.Delete(Path + ".pub");
    }
}
