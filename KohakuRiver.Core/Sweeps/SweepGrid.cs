using System.Collections;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// <c>-Sweep @{lr = 0.1, 0.01; seed = 1..3}</c>: named value lists whose cartesian product is the set of points,
/// enumerated like nested loops with the first name outermost (so the last name varies fastest). A plain Hashtable
/// has no order, so its names are taken sorted; <c>[ordered]@{…}</c> keeps the order written.
/// </summary>
public sealed class SweepGrid
{
    /// <summary>More points than this in one invocation is almost surely a mistake in the value lists.</summary>
    public const long MaxPoints = 1_000_000;

    private readonly string[] _names;
    private readonly object?[][] _values;

    public SweepGrid(IReadOnlyList<KeyValuePair<string, IReadOnlyList<object?>>> axes)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        long count = 1;
        foreach (var (name, values) in axes)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new SweepException("a sweep parameter has an empty name");
            if (!seen.Add(name)) throw new SweepException($"the sweep names '{name}' twice");
            if (values.Count == 0) throw new SweepException($"the sweep parameter '{name}' has no values, so the sweep would be empty");
            count *= values.Count;
            if (count > MaxPoints) throw new SweepException($"the sweep has more than {MaxPoints:N0} points; split it or check its value lists");
        }
        _names = axes.Select(a => a.Key).ToArray();
        _values = axes.Select(a => a.Value.ToArray()).ToArray();
        Count = _names.Length == 0 ? 0 : count;
    }

    public IReadOnlyList<string> Names => _names;

    /// <summary>How many points the product has.</summary>
    public long Count { get; }

    /// <summary>Reads <c>@{name = value-or-list; …}</c>. A string is one value, not a list of characters.</summary>
    public static SweepGrid FromDictionary(IDictionary sweep, Func<object, object>? unwrap = null)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var axes = new List<KeyValuePair<string, IReadOnlyList<object?>>>();
        foreach (DictionaryEntry e in sweep)
        {
            var name = Convert.ToString(e.Key is not null && unwrap is not null ? unwrap(e.Key) : e.Key,
                System.Globalization.CultureInfo.InvariantCulture) ?? "";
            var raw = e.Value is not null && unwrap is not null ? unwrap(e.Value) : e.Value;
            IReadOnlyList<object?> values = SweepValueFormatter.IsScalar(raw)
                ? [raw]
                : ((IEnumerable)raw!).Cast<object?>().ToList();
            axes.Add(new(name, values));
        }
        if (sweep is not System.Collections.Specialized.IOrderedDictionary)
            axes.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key));
        return new SweepGrid(axes);
    }

    /// <summary>Every point, each as the (name, value) pairs in <see cref="Names"/> order.</summary>
    public IEnumerable<KeyValuePair<string, object?>[]> Points()
    {
        if (_names.Length == 0) yield break;
        var index = new int[_names.Length];
        while (true)
        {
            var point = new KeyValuePair<string, object?>[_names.Length];
            for (var k = 0; k < _names.Length; k++) point[k] = new(_names[k], _values[k][index[k]]);
            yield return point;
            var axis = _names.Length - 1;
            while (axis >= 0)
            {
                if (++index[axis] < _values[axis].Length) break;
                index[axis] = 0;
                axis--;
            }
            if (axis < 0) yield break;
        }
    }
}
