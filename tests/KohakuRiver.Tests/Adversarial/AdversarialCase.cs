using System.Text;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>Which daemon a request goes to.</summary>
public enum Server
{
    Host,
    Runner,
}

/// <summary>What a request carries in its Authorization header.</summary>
public enum Credential
{
    ApiToken,
    ClusterToken,
    None,
    WrongToken,
    BasicScheme,
    EmptyBearer,
}

/// <summary>
/// One malformed request, invalid by construction. <see cref="Endpoint"/> names the route ("POST /api/submit"),
/// <see cref="Kind"/> what was broken ("command: NUL byte"), so that failures group by endpoint and mutation.
/// </summary>
public sealed record AdversarialCase(
    string Endpoint,
    string Kind,
    Server Server,
    HttpMethod Method,
    string PathAndQuery,
    byte[]? Body,
    Credential Credential)
{
    /// <summary>Bodies above this size get a longer time to be answered: sending them takes a while on a busy machine.</summary>
    public const int LargeBodyBytes = 256 * 1024;

    public bool IsLarge => Body is { Length: > LargeBodyBytes };

    /// <summary>Identity for de-duplication: two cases that send the same bytes the same way are one case.</summary>
    public string Key => $"{Server} {Method} {PathAndQuery} {Credential} {(Body is null ? "-" : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Body)))}";

    public string BodyExcerpt(int max = 120) => Body is null ? "(no body)" : Excerpt(Body, max);

    /// <summary>The first bytes as readable text: control characters and invalid UTF-8 escaped, the length shown.</summary>
    public static string Excerpt(byte[] bytes, int max)
    {
        var text = new UTF8Encoding(false, false).GetString(bytes, 0, Math.Min(bytes.Length, max * 4));
        return Excerpt(text, max) + (bytes.Length > max ? $" ({bytes.Length} bytes)" : "");
    }

    public static string Excerpt(string text, int max)
    {
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            if (sb.Length >= max)
            {
                sb.Append('…');
                break;
            }
            if (c == '\uFFFD') sb.Append("\\xNN");
            else if (char.IsControl(c) || char.IsSurrogate(c)) sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    public override string ToString() => $"{Endpoint} [{Kind}] {Method} {Excerpt(PathAndQuery, 100)} as {Credential}";
}
