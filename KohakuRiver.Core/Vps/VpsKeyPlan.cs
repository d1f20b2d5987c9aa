using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Core.Vps;

/// <summary>Where a new VPS's authorized key comes from.</summary>
public enum VpsKeySource
{
    /// <summary>No key option: ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub.</summary>
    DefaultPublicKey,
    /// <summary>-PublicKey: the key line itself.</summary>
    PublicKey,
    /// <summary>-PublicKeyPath: a .pub file.</summary>
    PublicKeyFile,
    /// <summary>-GenerateKey: a new pair made here; the private half is saved to a file, never sent.</summary>
    Generated,
    /// <summary>-NoSsh: no sshd access at all.</summary>
    NoSsh,
}

/// <summary>
/// The key decision for New-RiverVps: the host's ssh_key_mode and the public key to upload. A key is always made on
/// this machine (-GenerateKey uploads the public half), so a private key never crosses the network.
/// </summary>
public sealed record VpsKeyPlan(VpsKeySource Source, string SshKeyMode, string? PublicKey, string? PublicKeyPath, string? IdentityFile)
{
    public const string UploadMode = "upload";
    public const string DisabledMode = "disabled";

    public static VpsKeyPlan FromText(string publicKey) =>
        new(VpsKeySource.PublicKey, UploadMode, SshPublicKeyText.Check(publicKey, "-PublicKey"), null, null);

    public static VpsKeyPlan FromFile(string path) =>
        new(VpsKeySource.PublicKeyFile, UploadMode, VpsKeyFiles.ReadPublicKey(path), path, VpsKeyFiles.PrivateKeyFor(path));

    /// <summary>The user's default public key; <see cref="SshPublicKeyNotFoundException"/> when there is none.</summary>
    public static VpsKeyPlan FromDefault(string sshDirectory)
    {
        var path = VpsKeyFiles.FindDefaultPublicKey(sshDirectory) ?? throw new SshPublicKeyNotFoundException(
            $"no public key to put in the VPS: neither {string.Join(" nor ", VpsKeyFiles.DefaultPublicKeyNames.Select(n => Path.Combine(sshDirectory, n)))} exists");
        return FromFile(path) with { Source = VpsKeySource.DefaultPublicKey };
    }

    public static VpsKeyPlan NoSsh() => new(VpsKeySource.NoSsh, DisabledMode, null, null, null);

    /// <summary>For -Verbose: where the key came from.</summary>
    public string Description => Source switch
    {
        VpsKeySource.DefaultPublicKey or VpsKeySource.PublicKeyFile => $"public key from {PublicKeyPath}",
        VpsKeySource.PublicKey => "public key given with -PublicKey",
        VpsKeySource.Generated => "a new key pair made on this machine",
        _ => "no SSH",
    };
}

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
