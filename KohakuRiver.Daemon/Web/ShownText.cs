namespace KohakuRiver.Daemon.Web;

/// <summary>Text a client sent, as an error message quotes it: control characters shown as <c>\uXXXX</c>, and cut
/// to a readable length.</summary>
public static class ShownText
{
    public static string Of(string? text, int max = 80)
    {
        if (text is null) return "";
        var cut = text.Length > max ? text[..max] + "…" : text;
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}
