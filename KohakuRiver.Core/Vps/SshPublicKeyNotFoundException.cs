namespace KohakuRiver.Core.Vps;

/// <summary>New-RiverVps was given no key option and found no default public key in ~/.ssh.</summary>
public sealed class SshPublicKeyNotFoundException(string message) : Exception(message);
