using System.Collections;
using System.Globalization;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// Turns a sweep value into the text that goes into a command line and into the task's recorded parameters:
/// culture-invariant (<c>0.1</c>, never <c>0,1</c>), shortest round-trip for floating point, <c>True</c>/<c>False</c>
/// as PowerShell writes them, ISO 8601 for dates, and lists joined by spaces as PowerShell joins an array in a string.
/// </summary>
public static class SweepValueFormatter
{
    /// <param name="value">The value, possibly wrapped.</param>
    /// <param name="unwrap">Removes a host wrapper (PowerShell's PSObject) so that the value inside is formatted.</param>
    public static string Format(object? value, Func<object, object>? unwrap = null)
    {
        if (value is not null && unwrap is not null) value = unwrap(value);
        switch (value)
        {
            case null:
                return "";
            case string s:
                return s;
            case bool b:
                return b ? "True" : "False";
            case double d:
                return d.ToString("R", CultureInfo.InvariantCulture);
            case float f:
                return f.ToString("R", CultureInfo.InvariantCulture);
            case DateTime dt:
                return dt.ToString("o", CultureInfo.InvariantCulture);
            case DateTimeOffset dto:
                return dto.ToString("o", CultureInfo.InvariantCulture);
            case Enum e:
                return e.ToString();
            case IFormattable formattable:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary:
                return value.ToString() ?? "";
            case IEnumerable list:
                var parts = new List<string>();
                foreach (var item in list) parts.Add(Format(item, unwrap));
                return string.Join(" ", parts);
            default:
                return value.ToString() ?? "";
        }
    }

    /// <summary>True for a single sweep value, false for a list of values (a string is one value, not its characters).</summary>
    public static bool IsScalar(object? value) => value is null or string or IDictionary || value is not IEnumerable;

    /// <summary>True for a plain value (a number, a string, a date, a bool…), as opposed to an object with properties.</summary>
    public static bool IsPlainValue(object? value) =>
        value is null or string or char or bool or Enum or Uri or IFormattable || value.GetType().IsPrimitive;
}
