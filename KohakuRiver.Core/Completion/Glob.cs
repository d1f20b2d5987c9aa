namespace KohakuRiver.Core.Completion;

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
