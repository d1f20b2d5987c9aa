using System.Globalization;

namespace KohakuRiver.Core.Parsing;

/// <summary>
/// Memory sizes as people write them: <c>512M</c>, <c>4G</c>, <c>4GB</c>, <c>4GiB</c>, <c>1.5g</c>, <c>1048576</c>.
/// All suffixes are powers of 1024, as PowerShell's own <c>8GB</c> literal is; the reference system used powers
/// of 1000 for K/M/G, which made <c>-Memory 8GB</c> and <c>--memory 8G</c> disagree.
/// </summary>
public static class ByteSize
{
    public static long Parse(string text) =>
        TryParse(text, out var bytes, out var error) ? bytes : throw new FormatException(error);

    public static bool TryParse(string? text, out long bytes, out string? error)
    {
        bytes = 0;
        error = null;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            error = "size is empty; expected a number of bytes or a number with K, M, G or T (e.g. 512M, 4G, 4GiB)";
            return false;
        }
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        var numberPart = s[..i];
        var unit = s[i..].Trim().ToUpperInvariant();
        if (!decimal.TryParse(numberPart, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = $"size '{text}' does not start with a non-negative number";
            return false;
        }
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0)
        {
            error = $"size '{text}' has an unknown unit '{s[i..].Trim()}'; use K, M, G or T (powers of 1024)";
            return false;
        }
        try
        {
            bytes = (long)decimal.Round(number * multiplier);
        }
        catch (OverflowException)
        {
            error = $"size '{text}' is too large";
            return false;
        }
        return true;
    }

    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        var u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{bytes} B" : v.ToString(v >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
