using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace KohakuRiver.Core.Ssh;

/// <summary>
/// An RSA key pair in the two text forms OpenSSH reads: the private key as PKCS#1 PEM (what <c>ssh -i</c>
/// accepts without any conversion) and the public key as an <c>authorized_keys</c> line. RSA rather than
/// Ed25519 because .NET has no Ed25519 and this library takes no packages.
/// </summary>
public sealed class SshKeyPair
{
    public const int KeySizeBits = 3072;

    /// <summary>Key types OpenSSH accepts in authorized_keys that we let users upload (no DSA, no certificates).</summary>
    public static readonly IReadOnlyList<string> AcceptedKeyTypes =
    [
        "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ];

    // OpenSSH's own limit on a public key blob (SSH_MAX_PUBKEY_BYTES); a longer line is not a key.
    private const int MaxLineLength = 16384;

    private SshKeyPair(string privateKeyPem, string publicKeyOpenSsh, string fingerprint)
    {
        PrivateKeyPem = privateKeyPem;
        PublicKeyOpenSsh = publicKeyOpenSsh;
        FingerprintSha256 = fingerprint;
    }

    /// <summary>"-----BEGIN RSA PRIVATE KEY-----" … with a final newline (ssh refuses a key file without it on some versions).</summary>
    public string PrivateKeyPem { get; }

    /// <summary>"ssh-rsa AAAA… comment" (no newline).</summary>
    public string PublicKeyOpenSsh { get; }

    /// <summary>"SHA256:…", the form <c>ssh-keygen -l</c> and ssh's own messages print.</summary>
    public string FingerprintSha256 { get; }

    /// <param name="comment">Third field of the public key line; printable, no line breaks.</param>
    public static SshKeyPair Generate(string comment = "kohakuriver")
    {
        ArgumentNullException.ThrowIfNull(comment);
        if (comment.Any(char.IsControl))
            throw new ArgumentException("The comment must not contain control characters or line breaks.", nameof(comment));

        using var rsa = RSA.Create(KeySizeBits);
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        byte[] blob = RsaPublicBlob(parameters.Exponent!, parameters.Modulus!);
        comment = comment.Trim();
        string publicKey = "ssh-rsa " + Convert.ToBase64String(blob) + (comment.Length > 0 ? " " + comment : "");
        return new SshKeyPair(rsa.ExportRSAPrivateKeyPem() + "\n", publicKey, Fingerprint(blob));
    }

    /// <summary>
    /// Whether <paramref name="line"/> is one public key as it may stand in authorized_keys, and nothing
    /// more: <c>&lt;type&gt; &lt;base64&gt; [comment]</c>. Options (<c>command="…"</c>, <c>no-pty</c>, …) are refused
    /// because they would let the uploader shape how sshd treats the login; line breaks and control
    /// characters are refused because they would smuggle in a second line. Callers trim pasted text first.
    /// </summary>
    public static bool IsValidPublicKey(string? line, out string error)
    {
        if (string.IsNullOrWhiteSpace(line))
            return Fail("the public key is empty", out error);
        if (line.Length > MaxLineLength)
            return Fail($"the public key is longer than {MaxLineLength} characters", out error);
        if (line.Any(char.IsControl))
            return Fail("the public key must be a single line without control characters", out error);

        string[] fields = line.Split(' ', 3, StringSplitOptions.None);
        string type = fields[0];
        if (!AcceptedKeyTypes.Contains(type, StringComparer.Ordinal))
        {
            // A known type further along means something stands in front of the key: authorized_keys options.
            bool hasOptions = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Any(f => AcceptedKeyTypes.Contains(f, StringComparer.Ordinal));
            return hasOptions
                ? Fail("authorized_keys options (such as command=\"…\" or no-pty) are not allowed before the key", out error)
                : Fail($"unsupported key type '{Truncate(type)}' (accepted: {string.Join(", ", AcceptedKeyTypes)})", out error);
        }
        if (fields.Length < 2 || fields[1].Length == 0)
            return Fail("the key type must be followed by one space and the base64 key", out error);

        string base64 = fields[1];
        var blob = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(base64, blob, out int length))
            return Fail("the key data is not valid base64", out error);
        var data = blob.AsSpan(0, length);
        if (data.Length < 4)
            return Fail("the key data is too short", out error);
        uint nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > data.Length - 4)
            return Fail("the key data is truncated", out error);
        if (!data.Slice(4, (int)nameLength).SequenceEqual(Encoding.ASCII.GetBytes(type)))
            return Fail($"the key data does not match the key type '{type}'", out error);
        if (data.Length == 4 + nameLength)
            return Fail("the key data holds no key", out error);

        error = "";
        return true;
    }

    // RFC 4253 §6.6: string "ssh-rsa", mpint e, mpint n.
    private static byte[] RsaPublicBlob(byte[] exponent, byte[] modulus)
    {
        using var ms = new MemoryStream();
        WriteString(ms, "ssh-rsa"u8);
        WriteMpint(ms, exponent);
        WriteMpint(ms, modulus);
        return ms.ToArray();
    }

    private static void WriteString(Stream s, ReadOnlySpan<byte> value)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)value.Length);
        s.Write(len);
        s.Write(value);
    }

    // RFC 4251 §5: two's complement, minimal length, so a positive number whose top bit is set needs a 0 byte in front.
    private static void WriteMpint(Stream s, ReadOnlySpan<byte> unsignedBigEndian)
    {
        int start = 0;
        while (start < unsignedBigEndian.Length && unsignedBigEndian[start] == 0) start++;
        var magnitude = unsignedBigEndian[start..];
        if (magnitude.Length > 0 && (magnitude[0] & 0x80) != 0)
        {
            var padded = new byte[magnitude.Length + 1];
            magnitude.CopyTo(padded.AsSpan(1));
            WriteString(s, padded);
        }
        else
        {
            WriteString(s, magnitude);
        }
    }

    private static string Fingerprint(byte[] blob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
