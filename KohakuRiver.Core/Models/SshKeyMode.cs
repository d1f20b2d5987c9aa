namespace KohakuRiver.Core.Models;

/// <summary>How a VPS gets the key its SSH server trusts. On the wire it is the <c>ssh_key_mode</c> string (see
/// <see cref="SshKeyModeNames"/>).</summary>
public enum SshKeyMode
{
    /// <summary>The user's own public key, sent with the request.</summary>
    Upload,
    /// <summary>The host makes a key pair and returns the private key once.</summary>
    Generate,
    /// <summary>No SSH server: the VPS is reached only through the cluster.</summary>
    Disabled,
}
