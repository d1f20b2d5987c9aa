namespace KohakuRiver.Core.Vps;

/// <summary>Checks a public key given as text, with a message that says where it came from.</summary>
public static class SshPublicKeyText
{
    public static string Check(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.Trim();
        return Ssh.SshKeyPair.IsValidPublicKey(line, out var why) ? line : throw new FormatException($"{source}: {why}");
    }
}
