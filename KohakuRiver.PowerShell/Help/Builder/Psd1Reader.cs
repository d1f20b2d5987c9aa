using System.Globalization;
using System.Text;

namespace KohakuRiver.ModuleInspection;

/// <summary>
/// Reads a PowerShell data file (.psd1) of the shape module manifests use: a hashtable of strings, numbers,
/// $true/$false/$null, arrays (<c>@(…)</c> or comma lists) and nested hashtables, with comments. Enough to check our
/// manifest without a PowerShell engine; anything else is an error rather than a guess.
/// </summary>
public sealed class Psd1Reader
{
    private readonly string _s;
    private int _i;

    private Psd1Reader(string text) => _s = text;

    public static Dictionary<string, object?> Read(string text)
    {
        var r = new Psd1Reader(text);
        r.Skip();
        var table = r.Hashtable();
        r.Skip();
        if (r._i != r._s.Length) throw r.Error("text after the hashtable");
        return table;
    }

    private Dictionary<string, object?> Hashtable()
    {
        Expect("@{");
        var table = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipSeparators();
            if (Peek('}'))
            {
                _i++;
                return table;
            }
            var key = Peek('\'') || Peek('"') ? String() : Bareword();
            Skip();
            Expect("=");
            Skip();
            if (!table.TryAdd(key, Value())) throw Error($"key '{key}' given twice");
        }
    }

    private object? Value()
    {
        var first = Single();
        Skip(newlines: false);
        if (!Peek(',')) return first;
        var list = new List<object?> { first };
        while (Peek(','))
        {
            _i++;
            Skip();
            list.Add(Single());
            Skip(newlines: false);
        }
        return list.ToArray();
    }

    private object? Single()
    {
        if (At("@{")) return Hashtable();
        if (At("@("))
        {
            _i += 2;
            var items = new List<object?>();
            while (true)
            {
                SkipSeparators();
                if (Peek(')'))
                {
                    _i++;
                    return items.ToArray();
                }
                var v = Value();
                if (v is object?[] inner) items.AddRange(inner);
                else items.Add(v);
            }
        }
        if (Peek('\'') || Peek('"')) return String();
        if (At("$true")) { _i += 5; return true; }
        if (At("$false")) { _i += 6; return false; }
        if (At("$null")) { _i += 5; return null; }
        var start = _i;
        while (_i < _s.Length && (char.IsAsciiDigit(_s[_i]) || _s[_i] is '.' or '-')) _i++;
        if (_i > start) return decimal.Parse(_s[start.._i], CultureInfo.InvariantCulture);
        throw Error("unsupported value");
    }

    private string String()
    {
        var quote = _s[_i++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_i >= _s.Length) throw Error("unterminated string");
            var c = _s[_i++];
            if (c == quote)
            {
                if (_i < _s.Length && _s[_i] == quote)
                {
                    sb.Append(quote);
                    _i++;
                    continue;
                }
                return sb.ToString();
            }
            if (quote == '"' && (c == '$' || c == '`')) throw Error("expandable strings are not allowed in a data file");
            sb.Append(c);
        }
    }

    private string Bareword()
    {
        var start = _i;
        while (_i < _s.Length && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] == '_')) _i++;
        return _i > start ? _s[start.._i] : throw Error("expected a key");
    }

    private void SkipSeparators()
    {
        while (true)
        {
            Skip();
            if (Peek(';') || Peek(',')) _i++;
            else return;
        }
    }

    private void Skip(bool newlines = true)
    {
        while (_i < _s.Length)
        {
            var c = _s[_i];
            if (c == '#')
            {
                while (_i < _s.Length && _s[_i] != '\n') _i++;
            }
            else if (At("<#"))
            {
                var end = _s.IndexOf("#>", _i, StringComparison.Ordinal);
                _i = end < 0 ? throw Error("unterminated block comment") : end + 2;
            }
            else if (c is ' ' or '\t' or '\r' || (newlines && c == '\n'))
            {
                _i++;
            }
            else
            {
                return;
            }
        }
    }

    private bool Peek(char c) => _i < _s.Length && _s[_i] == c;

    private bool At(string s) => string.CompareOrdinal(_s, _i, s, 0, s.Length) == 0;

    private void Expect(string s)
    {
        if (!At(s)) throw Error($"expected '{s}'");
        _i += s.Length;
    }

    private FormatException Error(string what)
    {
        var line = _s[.._i].Count(c => c == '\n') + 1;
        return new FormatException($"psd1 line {line}: {what}");
    }
}
