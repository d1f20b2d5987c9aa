using System.Collections;
using System.Globalization;
using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Parsing;

/// <summary>
/// What the module's argument transformations do, PowerShell-free: a memory size from <c>8GB</c> (PowerShell's
/// numeric literal, a long or a double), a plain number of bytes, or a string such as <c>'8G'</c>; task statuses
/// from their wire names (<c>killed_oom</c>) or enum names (<c>KilledOom</c>).
/// </summary>
public static class ArgumentConversion
{
    public static long ToByteSize(object? value, Func<object, object>? unwrap = null)
    {
        if (value is not null && unwrap is not null) value = unwrap(value);
        return value switch
        {
            null => throw new ArgumentException("a memory size is required"),
            string s => ByteSize.Parse(s),
            long l => Positive(l),
            int i => Positive(i),
            short s16 => Positive(s16),
            byte b => Positive(b),
            uint u => Positive(u),
            ulong ul => ul <= long.MaxValue ? Positive((long)ul) : throw new ArgumentException($"size {ul} is too large"),
            double d => FromFloating((decimal)Checked(d)),
            float f => FromFloating((decimal)Checked(f)),
            decimal m => FromFloating(m),
            _ => throw new ArgumentException($"a memory size is a number of bytes (8GB) or a string such as '8G', not a {value.GetType().Name}"),
        };
    }

    /// <summary>Statuses from a name, a list of names, or the enum itself.</summary>
    public static RiverTaskStatus[] ToTaskStatuses(object? value, Func<object, object>? unwrap = null)
    {
        if (value is not null && unwrap is not null) value = unwrap(value);
        switch (value)
        {
            case null:
                return [];
            case RiverTaskStatus s:
                return [s];
            case string text:
                return [TaskStatusNames.Parse(text)];
            case IEnumerable list:
                var result = new List<RiverTaskStatus>();
                foreach (var item in list) result.AddRange(ToTaskStatuses(item, unwrap));
                return [.. result];
            case int or long:
                var n = Convert.ToInt32(value, CultureInfo.InvariantCulture);
                return Enum.IsDefined(typeof(RiverTaskStatus), n)
                    ? [(RiverTaskStatus)n]
                    : throw new FormatException($"{n} is not a task status");
            default:
                return [TaskStatusNames.Parse(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")];
        }
    }

    private static long Positive(long bytes) =>
        bytes > 0 ? bytes : throw new ArgumentException($"a memory size must be positive, got {bytes}");

    private static double Checked(double d) =>
        double.IsFinite(d) && d <= long.MaxValue ? d : throw new ArgumentException($"size {d} is not a usable number of bytes");

    private static long FromFloating(decimal bytes) => Positive((long)decimal.Round(bytes));
}
