namespace KohakuRiver.Core.Vps;

/// <summary>Which key option New-RiverVps was given.</summary>
public enum VpsKeyChoice
{
    /// <summary>None: ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub, else an error asking for one of the others.</summary>
    Default,
    /// <summary>-PublicKey: the argument is the key line.</summary>
    PublicKey,
    /// <summary>-PublicKeyPath: the argument is the .pub file.</summary>
    PublicKeyFile,
    /// <summary>-GenerateKey: the argument, if any, is where to save the private key.</summary>
    Generate,
    /// <summary>-NoSsh.</summary>
    NoSsh,
}
