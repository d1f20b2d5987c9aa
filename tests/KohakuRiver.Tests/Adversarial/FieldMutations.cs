using System.Text.Json.Nodes;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>The JSON shape a field of a wire DTO has, which decides what is invalid for it whatever its meaning.</summary>
public enum FieldKind
{
    Text,
    Int32,
    Int64,
    Number,
    Bool,
    Timestamp,
    TextList,
    TextMap,
    /// <summary>A task id: a positive 64-bit integer, as a number or a string of digits.</summary>
    Id,
    IdList,
    IntList,
    IntListList,
    Object,
    ObjectList,
}

/// <summary>A field of an endpoint's body, by JSON path, with what its meaning adds to its shape.</summary>
public sealed record FieldSpec(string Path, FieldKind Kind)
{
    /// <summary>Absent or null is invalid (the DTO has no default that makes sense).</summary>
    public bool Required { get; init; }

    /// <summary>A count, size, id or duration: a negative value is invalid.</summary>
    public bool NonNegative { get; init; }

    /// <summary>As <see cref="NonNegative"/>, and zero is invalid too.</summary>
    public bool Positive { get; init; }

    /// <summary>A valid value to start from when the base body lacks the field (or a valid element of a list).</summary>
    public string Sample { get; init; } = "x";
}

/// <summary>
/// The generic mutation catalogue: for each field kind, values no field of that kind may hold, whatever it means.
/// Each is invalid by construction: the wrong JSON type, numbers out of range, NUL bytes, invalid UTF-8, a lone
/// surrogate, a missing required field. What a field's meaning forbids (a mount of /, an unknown status) is in the
/// endpoint catalogues.
/// </summary>
public static class FieldMutations
{
    private static JsonNode Raw(string json) => JsonNode.Parse(json)!;

    public static IEnumerable<BodyMutation> For(FieldSpec f, JsonObject baseBody)
    {
        var p = f.Path;
        var current = JsonBody.Get(baseBody, p);
        var text = current is JsonValue v && v.TryGetValue<string>(out var s) ? s : f.Sample;
        var mutations = new List<BodyMutation>();

        void WrongTypes(params (string Why, string Json)[] values)
        {
            foreach (var (why, json) in values) mutations.Add(BodyMutation.Set(p, why, Raw(json)));
        }

        switch (f.Kind)
        {
            case FieldKind.Text:
                WrongTypes(("number instead of text", "12"), ("bool instead of text", "true"), ("object instead of text", "{}"), ("array instead of text", "[\"x\"]"));
                mutations.Add(BodyMutation.Set(p, "NUL byte", JsonBody.WithNul(text)));
                mutations.Add(BodyMutation.Set(p, "invalid UTF-8", text + JsonBody.InvalidUtf8));
                mutations.Add(BodyMutation.Set(p, "lone surrogate", text + JsonBody.LoneSurrogate));
                break;
            case FieldKind.Int32:
            case FieldKind.Int64:
                var int32 = f.Kind == FieldKind.Int32;
                WrongTypes(("text instead of a number", "\"many\""), ("bool instead of a number", "true"), ("object instead of a number", "{}"),
                    ("array instead of a number", "[1]"), ("fraction", "1.5"), ("1e400", "1e400"),
                    int32 ? ("2^31", "2147483648") : ("2^63", "9223372036854775808"),
                    int32 ? ("-2^31-1", "-2147483649") : ("-2^63-1", "-9223372036854775809"));
                if (f.NonNegative || f.Positive)
                    WrongTypes(("negative", "-1"), ("most negative", int32 ? "-2147483648" : "-9223372036854775808"), ("negative as text", "\"-1\""));
                if (f.Positive) WrongTypes(("zero", "0"));
                break;
            case FieldKind.Number:
                WrongTypes(("text instead of a number", "\"soon\""), ("bool instead of a number", "true"), ("object instead of a number", "{}"),
                    ("array instead of a number", "[1]"), ("1e400", "1e400"), ("-1e400", "-1e400"), ("NaN as text", "\"NaN\""), ("Infinity as text", "\"Infinity\""));
                if (f.NonNegative || f.Positive) WrongTypes(("negative", "-1"), ("negative fraction", "-0.5"));
                break;
            case FieldKind.Bool:
                WrongTypes(("text instead of a bool", "\"yes\""), ("bool as text", "\"true\""), ("number instead of a bool", "1"), ("object instead of a bool", "{}"), ("array instead of a bool", "[]"));
                break;
            case FieldKind.Timestamp:
                WrongTypes(("not a date", "\"yesterday\""), ("month 13", "\"2024-13-45T00:00:00Z\""), ("number instead of a date", "5"), ("object instead of a date", "{}"));
                mutations.Add(BodyMutation.Set(p, "NUL byte", "2024-01-01T00:00:00Z\0"));
                break;
            case FieldKind.TextList:
                WrongTypes(("text instead of a list", "\"x\""), ("object instead of a list", "{}"), ("number instead of a list", "5"), ("bool instead of a list", "true"));
                mutations.Add(BodyMutation.Append(p, "number element", Raw("5")));
                mutations.Add(BodyMutation.Append(p, "object element", Raw("{}")));
                mutations.Add(BodyMutation.Append(p, "list element", Raw("[\"x\"]")));
                mutations.Add(BodyMutation.Append(p, "null element", null));
                mutations.Add(BodyMutation.Append(p, "element with a NUL byte", JsonBody.WithNul(f.Sample)));
                mutations.Add(BodyMutation.Append(p, "element with invalid UTF-8", f.Sample + JsonBody.InvalidUtf8));
                mutations.Add(BodyMutation.Append(p, "element with a lone surrogate", f.Sample + JsonBody.LoneSurrogate));
                break;
            case FieldKind.TextMap:
                WrongTypes(("list instead of a map", "[]"), ("text instead of a map", "\"x\""), ("number instead of a map", "5"));
                mutations.Add(BodyMutation.AddEntry(p, "number value", "FUZZ_N", Raw("5")));
                mutations.Add(BodyMutation.AddEntry(p, "object value", "FUZZ_O", Raw("{}")));
                mutations.Add(BodyMutation.AddEntry(p, "null value", "FUZZ_NULL", null));
                mutations.Add(BodyMutation.AddEntry(p, "NUL byte in a name", "FU\0ZZ", "v"));
                mutations.Add(BodyMutation.AddEntry(p, "NUL byte in a value", "FUZZ_V", "v\0v"));
                mutations.Add(BodyMutation.AddEntry(p, "invalid UTF-8 in a name", "FUZZ" + JsonBody.InvalidUtf8, "v"));
                mutations.Add(BodyMutation.AddEntry(p, "invalid UTF-8 in a value", "FUZZ_U", "v" + JsonBody.InvalidUtf8));
                mutations.Add(BodyMutation.AddEntry(p, "lone surrogate in a value", "FUZZ_S", "v" + JsonBody.LoneSurrogate));
                break;
            case FieldKind.Id:
                WrongTypes(("id 0", "0"), ("id \"0\"", "\"0\""), ("id -1", "-1"), ("id \"-1\"", "\"-1\""), ("id abc", "\"abc\""), ("id empty text", "\"\""),
                    ("id 1.5", "1.5"), ("id 2^63", "9223372036854775808"), ("id 20 digits as text", "\"99999999999999999999\""), ("id 1e400", "1e400"),
                    ("id bool", "true"), ("id object", "{}"), ("id list", "[1]"), ("id with a NUL byte", "\"1\\u00002\""));
                break;
            case FieldKind.IdList:
                WrongTypes(("text instead of a list", "\"x\""), ("object instead of a list", "{}"), ("number instead of a list", "5"));
                foreach (var (why, json) in new[] { ("0", "0"), ("-1", "-1"), ("abc", "\"abc\""), ("1.5", "1.5"), ("2^63", "9223372036854775808"), ("1e400", "1e400"), ("null", "null"), ("bool", "true"), ("object", "{}") })
                    mutations.Add(BodyMutation.Append(p, $"element id {why}", Raw(json)));
                break;
            case FieldKind.IntList:
                WrongTypes(("text instead of a list", "\"x\""), ("object instead of a list", "{}"), ("number instead of a list", "5"),
                    ("nested list", "[[0]]"), ("text element", "[\"x\"]"), ("fraction element", "[1.5]"), ("null element", "[null]"), ("negative element", "[-1]"), ("element 2^31", "[2147483648]"));
                break;
            case FieldKind.IntListList:
                WrongTypes(("text instead of a list", "\"x\""), ("object instead of a list", "{}"), ("number instead of a list", "5"),
                    ("flat list", "[0]"), ("text element", "[[\"x\"]]"), ("fraction element", "[[1.5]]"), ("null element", "[[null]]"), ("negative element", "[[-1]]"), ("element 2^31", "[[2147483648]]"));
                break;
            case FieldKind.Object:
                WrongTypes(("text instead of an object", "\"x\""), ("list instead of an object", "[]"), ("number instead of an object", "5"), ("bool instead of an object", "true"));
                break;
            case FieldKind.ObjectList:
                WrongTypes(("text instead of a list", "\"x\""), ("object instead of a list", "{}"), ("number instead of a list", "5"));
                mutations.Add(BodyMutation.Append(p, "number element", Raw("5")));
                mutations.Add(BodyMutation.Append(p, "text element", Raw("\"x\"")));
                break;
        }

        if (f.Required)
        {
            mutations.Add(BodyMutation.Set(p, "null", null));
            mutations.Add(BodyMutation.Remove(p));
        }
        return mutations;
    }
}
