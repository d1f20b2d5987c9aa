using System.Collections;
using System.Reflection;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// One object that came down the pipeline, seen as named values for <c>{placeholder}</c>s. Records (hashtables,
/// PSCustomObjects, rows of a CSV) are parameter sets in their own right, so all their values are recorded on the
/// task; any other object (a file, a process) is only a source of values, so only the names a template uses are
/// recorded. A plain value (a number, a string) is the single parameter <c>_</c>, filled by <c>{_}</c>.
/// </summary>
public sealed class SweepPoint
{
    public const string ScalarName = "_";

    private readonly Func<string, (bool Found, object? Value)> _lookup;
    private readonly Func<IEnumerable<string>> _names;

    private SweepPoint(string description, bool isRecord, IReadOnlyList<KeyValuePair<string, object?>>? recorded,
        Func<string, (bool, object?)> lookup, Func<IEnumerable<string>> names)
    {
        Description = description;
        IsRecord = isRecord;
        RecordedValues = recorded ?? [];
        _lookup = lookup;
        _names = names;
    }

    /// <summary>How the point is named in error messages ("input object 3 (Hashtable)").</summary>
    public string Description { get; private set; }

    /// <summary>True when every value of the point is a parameter of the task.</summary>
    public bool IsRecord { get; }

    /// <summary>The values recorded on the task whatever the template uses (all of a record's, in its order).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> RecordedValues { get; }

    public bool TryGetValue(string name, out object? value)
    {
        var (found, v) = _lookup(name);
        value = v;
        return found;
    }

    /// <summary>The names this point has, for error messages.</summary>
    public IEnumerable<string> Names => _names();

    internal SweepPoint WithIndex(int index)
    {
        Description = $"input object {index} ({Description})";
        return this;
    }

    /// <summary>A record given as name/value pairs (a PSCustomObject's properties), in order; the first of two names
    /// that differ only in case wins.</summary>
    public static SweepPoint FromPairs(IEnumerable<KeyValuePair<string, object?>> pairs, string description = "object")
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        var ordered = new List<KeyValuePair<string, object?>>();
        foreach (var (key, value) in pairs)
        {
            if (string.IsNullOrEmpty(key) || !map.TryAdd(key, value)) continue;
            ordered.Add(new(key, value));
        }
        return new SweepPoint(description, true, ordered, n => map.TryGetValue(n, out var v) ? (true, v) : (false, null), () => map.Keys);
    }

    /// <summary>A hashtable or any other dictionary; keys become names. A plain Hashtable has no order, so its keys
    /// are recorded sorted; an ordered dictionary keeps its order.</summary>
    public static SweepPoint FromDictionary(IDictionary dictionary, string description = "hashtable")
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        var pairs = new List<KeyValuePair<string, object?>>();
        foreach (DictionaryEntry e in dictionary)
        {
            var key = Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture);
            if (!string.IsNullOrEmpty(key)) pairs.Add(new(key, e.Value));
        }
        if (!IsOrdered(dictionary)) pairs.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key));
        return FromPairs(pairs, description);
    }

    /// <summary>A plain value: the parameter <c>_</c>.</summary>
    public static SweepPoint FromScalar(object? value, string? description = null) =>
        FromPairs([new(ScalarName, value)], description ?? $"value '{SweepValueFormatter.Format(value)}'");

    /// <summary>An object that is only a source of values: <paramref name="lookup"/> finds a property by name.</summary>
    public static SweepPoint FromView(Func<string, (bool Found, object? Value)> lookup, Func<IEnumerable<string>> names, string description) =>
        new(description, false, null, lookup, names);

    /// <summary>Any .NET object: dictionaries and plain values as above, anything else through its public properties.</summary>
    public static SweepPoint FromObject(object? value)
    {
        switch (value)
        {
            case IDictionary d:
                return FromDictionary(d, value.GetType().Name);
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                return FromPairs(pairs, value.GetType().Name);
        }
        if (SweepValueFormatter.IsPlainValue(value)) return FromScalar(value);
        var type = value!.GetType();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        return FromView(name =>
        {
            if (!properties.TryGetValue(name, out var p)) return (false, null);
            try
            {
                return (true, p.GetValue(value));
            }
            catch (TargetInvocationException)
            {
                return (false, null);
            }
        }, () => properties.Keys, type.Name);
    }

    private static bool IsOrdered(IDictionary d) =>
        d is System.Collections.Specialized.IOrderedDictionary || d is SortedList ||
        d.GetType().IsGenericType && d.GetType().GetGenericTypeDefinition() == typeof(SortedDictionary<,>);
}
