using System.Text;
using System.Text.Json.Nodes;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// Edits a JSON body by path ("command", "tasks[1].env_vars") and writes it as bytes. A serializer cannot write
/// invalid UTF-8 or a lone surrogate, so mutations put a placeholder into a string and <see cref="ToBytes"/> swaps it
/// for the raw bytes afterwards.
/// </summary>
public static class JsonBody
{
    /// <summary>Becomes the bytes FF FE, which are not UTF-8.</summary>
    public const string InvalidUtf8 = "@@fuzz-invalid-utf8@@";

    /// <summary>Becomes the escape \ud800: a high surrogate with no low one after it.</summary>
    public const string LoneSurrogate = "@@fuzz-lone-surrogate@@";

    public static JsonNode? Get(JsonNode root, string path)
    {
        var node = root;
        foreach (var step in Steps(path))
        {
            node = step.Index is { } i ? node?.AsArray()[i] : node?.AsObject()[step.Name!];
            if (node is null) return null;
        }
        return node;
    }

    /// <summary>Sets the value at <paramref name="path"/>, adding the property if the object lacks it.</summary>
    public static void Set(JsonNode root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        if (last.Index is { } i) parent.AsArray()[i] = value;
        else parent.AsObject()[last.Name!] = value;
    }

    public static void Remove(JsonNode root, string path)
    {
        var (parent, last) = Parent(root, path);
        if (last.Index is { } i) parent.AsArray().RemoveAt(i);
        else parent.AsObject().Remove(last.Name!);
    }

    public static byte[] ToBytes(JsonNode root)
    {
        var bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
        bytes = Replace(bytes, Encoding.UTF8.GetBytes(InvalidUtf8), [0xFF, 0xFE]);
        return Replace(bytes, Encoding.UTF8.GetBytes(LoneSurrogate), Encoding.ASCII.GetBytes("\\ud800"));
    }

    /// <summary>A string that is <paramref name="value"/> with a NUL after its first character.</summary>
    public static string WithNul(string value) => value.Length == 0 ? "\0" : value[..1] + "\0" + value[1..];

    private static (JsonNode Parent, Step Last) Parent(JsonNode root, string path)
    {
        var steps = Steps(path).ToList();
        var parent = root;
        foreach (var step in steps[..^1])
            parent = (step.Index is { } i ? parent.AsArray()[i] : parent.AsObject()[step.Name!])
                     ?? throw new ArgumentException($"path {path}: {step} is null or missing");
        return (parent, steps[^1]);
    }

    private readonly record struct Step(string? Name, int? Index);

    private static IEnumerable<Step> Steps(string path)
    {
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[');
            if (bracket < 0)
            {
                yield return new Step(part, null);
                continue;
            }
            if (bracket > 0) yield return new Step(part[..bracket], null);
            foreach (var index in part[bracket..].Split('[', StringSplitOptions.RemoveEmptyEntries))
                yield return new Step(null, int.Parse(index.TrimEnd(']'), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static byte[] Replace(byte[] source, byte[] find, byte[] with)
    {
        var at = source.AsSpan().IndexOf(find);
        if (at < 0) return source;
        var result = new List<byte>(source.Length);
        var from = 0;
        while (at >= 0)
        {
            result.AddRange(source.AsSpan(from, at).ToArray());
            result.AddRange(with);
            from += at + find.Length;
            at = source.AsSpan(from).IndexOf(find);
        }
        result.AddRange(source.AsSpan(from).ToArray());
        return result.ToArray();
    }
}
