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
