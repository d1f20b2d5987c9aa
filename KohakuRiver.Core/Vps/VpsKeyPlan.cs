using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// The key decision for New-RiverVps: the host's ssh_key_mode and the public key to upload. A key is always made on
/// this machine (-GenerateKey uploads the public half), so a private key never crosses the network.
/// </summary>
public sealed record VpsKeyPlan(VpsKeySource Source, string SshKeyMode, string? PublicKey, string? PublicKeyPath, string? IdentityFile)
{
    public const string UploadMode = SshKeyModeNames.Upload;
    public const string DisabledMode = SshKeyModeNames.Disabled;

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
