namespace KohakuRiver.Core.Completion;

/// <summary>A value offered for tab completion.</summary>
public sealed record CompletionCandidate(string Value, string ListItemText, string ToolTip);

/// <summary>A completion ready for PowerShell: the text to insert (quoted when needed), the list text, the tip.</summary>
public sealed record CompletionItem(string CompletionText, string ListItemText, string ToolTip);

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
        var word = wordToComplete ?? "";
        char? quote = word.Length > 0 && word[0] is '\'' or '"' ? word[0] : null;
        if (quote is { } q)
        {
            word = word[1..];
            if (word.Length > 0 && word[^1] == q) word = word[..^1];
        }
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

/// <summary>PowerShell-style wildcards (<c>*</c>, <c>?</c>, <c>[abc]</c>), case-insensitive, whole-string.</summary>
public static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    public static bool IsMatch(string text, string pattern)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pattern);
        return Match(text.AsSpan(), pattern.AsSpan());
    }

    private static bool Match(ReadOnlySpan<char> t, ReadOnlySpan<char> p)
    {
        // Iterative with one backtrack point for the last '*' seen (linear for ordinary patterns).
        int ti = 0, pi = 0, starP = -1, starT = 0;
        while (ti < t.Length)
        {
            if (pi < p.Length && p[pi] == '*')
            {
                starP = pi++;
                starT = ti;
            }
            else if (pi < p.Length && MatchOne(t[ti], p, ref pi))
            {
                ti++;
            }
            else if (starP >= 0)
            {
                pi = starP + 1;
                ti = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }

    // Whether one character matches the pattern element at pi; on a match pi moves past the element.
    private static bool MatchOne(char c, ReadOnlySpan<char> p, ref int pi)
    {
        var lc = char.ToLowerInvariant(c);
        switch (p[pi])
        {
            case '?':
                pi++;
                return true;
            case '`' when pi + 1 < p.Length:
                if (char.ToLowerInvariant(p[pi + 1]) != lc) return false;
                pi += 2;
                return true;
            case '[' when p[(pi + 1)..].IndexOf(']') is var close and > 0:
                var set = p.Slice(pi + 1, close);
                var hit = false;
                for (var k = 0; k < set.Length && !hit; k++)
                {
                    if (k + 2 < set.Length && set[k + 1] == '-')
                    {
                        hit = lc >= char.ToLowerInvariant(set[k]) && lc <= char.ToLowerInvariant(set[k + 2]);
                        k += 2;
                    }
                    else
                    {
                        hit = char.ToLowerInvariant(set[k]) == lc;
                    }
                }
                if (hit) pi += close + 2;
                return hit;
            default:
                if (char.ToLowerInvariant(p[pi]) != lc) return false;
                pi++;
                return true;
        }
    }
}
