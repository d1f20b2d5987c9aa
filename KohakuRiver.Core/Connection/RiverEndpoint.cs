using System.Globalization;

namespace KohakuRiver.Core.Connection;

/// <summary>
/// Host addresses as people write them: <c>gpu-head</c>, <c>gpu-head:9000</c>, <c>10.0.0.5</c>,
/// <c>http://gpu-head:8000</c>, <c>https://river.example.org</c>. A bare name gets <c>http://</c> and the host's
/// default port 8000; an address with a scheme is taken as written.
/// </summary>
public static class RiverEndpoint
{
    public const int DefaultPort = 8000;

    public static Uri Parse(string text) =>
        TryParse(text, out var uri, out var error) ? uri! : throw new FormatException(error);

    public static bool TryParse(string? text, out Uri? uri, out string? error)
    {
        uri = null;
        error = null;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            error = "the host address is empty; expected e.g. 'gpu-head', 'gpu-head:8000' or 'http://gpu-head:8000'";
            return false;
        }
        if (!s.Contains("://", StringComparison.Ordinal))
        {
            // host, host:port, [v6]:port
            var hasPort = s.StartsWith('[') ? s.Contains("]:", StringComparison.Ordinal) : s.Count(c => c == ':') == 1;
            s = "http://" + s + (hasPort ? "" : ":" + DefaultPort.ToString(CultureInfo.InvariantCulture));
        }
        if (!Uri.TryCreate(s, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || string.IsNullOrEmpty(parsed.Host))
        {
            error = $"'{text}' is not a host address; expected e.g. 'gpu-head', 'gpu-head:8000' or 'http://gpu-head:8000'";
            return false;
        }
        uri = new Uri(parsed.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        return true;
    }

    public static bool SameHost(Uri a, Uri b) => Uri.Compare(a, b, UriComponents.SchemeAndServer | UriComponents.Path,
        UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
