using System.Text;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// A string with <c>{name}</c> placeholders, parsed once and filled once per sweep point. Names are identifiers
/// (<c>[A-Za-z_][A-Za-z0-9_]*</c>) matched without regard to case, as PowerShell property names are.
/// <c>{{</c> and <c>}}</c> are literal braces; <c>${name}</c> is left alone so that shell variables survive; any
/// other brace (<c>{a,b}</c>, <c>{ print }</c>) is literal text.
/// </summary>
public sealed class PlaceholderTemplate
{
    // Parts alternate: literal, name, literal, name, …, literal (always one more literal than names).
    private readonly string[] _literals;
    private readonly string[] _names;

    private PlaceholderTemplate(string text, string[] literals, string[] names)
    {
        Text = text;
        _literals = literals;
        _names = names;
        Placeholders = names.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    public string Text { get; }

    /// <summary>The distinct placeholder names, in order of first appearance.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    public bool HasPlaceholders => _names.Length > 0;

    public static PlaceholderTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var literals = new List<string>();
        var names = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{')
            {
                current.Append('{');
                i += 2;
            }
            else if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                current.Append('}');
                i += 2;
            }
            else if (c == '{' && (i == 0 || text[i - 1] != '$') && TryReadName(text, i + 1, out var name, out var end))
            {
                literals.Add(current.ToString());
                current.Clear();
                names.Add(name);
                i = end + 1;
            }
            else
            {
                current.Append(c);
                i++;
            }
        }
        literals.Add(current.ToString());
        return new PlaceholderTemplate(text, [.. literals], [.. names]);
    }

    /// <summary>Fills every placeholder from <paramref name="lookup"/>; a name it returns null for is an error.</summary>
    public string Fill(Func<string, string?> lookup, string pointDescription)
    {
        if (_names.Length == 0) return _literals[0];
        var sb = new StringBuilder(_literals[0], Text.Length + 16 * _names.Length);
        for (var k = 0; k < _names.Length; k++)
        {
            var value = lookup(_names[k]) ?? throw new SweepException(
                $"{pointDescription} has no value for the placeholder {{{_names[k]}}} in '{Text}'");
            sb.Append(value).Append(_literals[k + 1]);
        }
        return sb.ToString();
    }

    public override string ToString() => Text;

    private static bool TryReadName(string text, int start, out string name, out int closeIndex)
    {
        name = "";
        closeIndex = -1;
        if (start >= text.Length || !(char.IsAsciiLetter(text[start]) || text[start] == '_')) return false;
        var j = start + 1;
        while (j < text.Length && (char.IsAsciiLetterOrDigit(text[j]) || text[j] == '_')) j++;
        if (j >= text.Length || text[j] != '}') return false;
        name = text[start..j];
        closeIndex = j;
        return true;
    }
}
