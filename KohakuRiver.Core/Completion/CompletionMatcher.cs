namespace KohakuRiver.Core.Completion;

/// <summary>
/// Matches what the user typed against candidates the way PowerShell's own completers do: a case-insensitive prefix,
/// with <c>*</c> and <c>?</c> wildcards allowed, ignoring an opening quote; and quotes a result that needs it,
/// keeping the quote style the user started with.
/// </summary>
public static class CompletionMatcher
{
    public static IReadOnlyList<CompletionItem> Match(IEnumerable<CompletionCandidate> candidates, string? wordToComplete, int max = 200)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var word = Unquote(wordToComplete, out var quote);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<CompletionItem>();
        foreach (var c in candidates)
        {
            if (!seen.Add(c.Value) || !Glob.IsMatch(c.Value, word + "*")) continue;
            result.Add(new CompletionItem(Quote(c.Value, quote), c.ListItemText, c.ToolTip));
            if (result.Count >= max) break;
        }
        return result;
    }

    /// <summary>What the user typed without the quote it opens with (and closes with, if it does).</summary>
    public static string Unquote(string? wordToComplete, out char? quote)
    {
        var word = wordToComplete ?? "";
        quote = word.Length > 0 && word[0] is '\'' or '"' ? word[0] : null;
        if (quote is { } q)
        {
            word = word[1..];
            if (word.Length > 0 && word[^1] == q) word = word[..^1];
        }
        return word;
    }

    /// <summary>The value as a PowerShell argument: bare when safe, else in the user's quotes (single by default).</summary>
    public static string Quote(string value, char? preferred = null)
    {
        var needs = value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '`' or '$' or ';' or ',' or '(' or ')' or '{' or '}' or '@' or '#' or '|' or '&' or '<' or '>' or '[' or ']')
                    || value[0] == '-';
        if (!needs && preferred is null) return value;
        return preferred == '"'
            ? "\"" + value.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\""
            : "'" + value.Replace("'", "''") + "'";
    }
}
