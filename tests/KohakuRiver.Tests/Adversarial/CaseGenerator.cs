using System.Text;
using System.Text.Json.Nodes;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// Expands endpoint specs into cases: for every endpoint, requests without or with the wrong credentials and with
/// malformed path parameters; for every endpoint with a body, structural damage to the body, all of its fixed rule
/// cases, and a seeded sample of the generic mutations of each field. The same seed gives the same cases.
/// </summary>
public sealed class CaseGenerator(int seed, int mutationsPerField)
{
    private readonly Random _random = new(seed);

    public IReadOnlyList<AdversarialCase> Generate(IEnumerable<EndpointSpec> endpoints)
    {
        var cases = new List<AdversarialCase>();
        foreach (var e in endpoints)
        {
            cases.AddRange(Credentials(e));
            cases.AddRange(BadPaths(e));
            if (e.BaseBody is null) continue;
            cases.AddRange(Structural(e));
            cases.AddRange(e.Rules.Select(m => WithBody(e, m.Kind, m.Apply(e.BaseBody))));
            cases.AddRange(Sample(e.SampledRules, e.SampledRuleCount).Select(m => WithBody(e, m.Kind, m.Apply(e.BaseBody))));
            foreach (var field in e.Fields)
                cases.AddRange(Sample(FieldMutations.For(field, e.BaseBody).ToList(), mutationsPerField).Select(m => WithBody(e, m.Kind, m.Apply(e.BaseBody))));
        }
        // Smallest bodies first: the largest (a batch of 10,001 tasks) leave much behind if wrongly accepted, which
        // would slow the snapshots of every later case.
        return cases.DistinctBy(c => c.Key).OrderBy(c => c.Body?.Length ?? 0).ToList();
    }

    private static AdversarialCase Case(EndpointSpec e, string kind, string path, byte[]? body, Credential credential) =>
        new(e.Route, kind, e.Server, e.Method, path, body, credential);

    private static AdversarialCase WithBody(EndpointSpec e, string kind, byte[] body) => Case(e, kind, e.Path, body, e.Credential);

    private static byte[]? NaturalBody(EndpointSpec e) => e.BaseBody is null ? null : JsonBody.ToBytes(e.BaseBody);

    private static IEnumerable<AdversarialCase> Credentials(EndpointSpec e)
    {
        var other = e.Credential == Credential.ApiToken ? Credential.ClusterToken : Credential.ApiToken;
        foreach (var (kind, credential) in new[]
                 {
                     ("no token", Credential.None), ("wrong token", Credential.WrongToken), ($"{other} instead of {e.Credential}", other),
                     ("Basic scheme", Credential.BasicScheme), ("empty bearer token", Credential.EmptyBearer),
                 })
            yield return Case(e, kind, e.Path, NaturalBody(e), credential);
    }

    private static IEnumerable<AdversarialCase> BadPaths(EndpointSpec e)
    {
        foreach (var parameter in e.Parameters)
        {
            foreach (var (kind, value) in PathValues.For(parameter))
            {
                var values = new Dictionary<string, string>(e.Natural) { [parameter] = value };
                yield return Case(e, $"{{{parameter}}} {kind}", EndpointSpec.Fill(e.Template, values), NaturalBody(e), e.Credential);
            }
        }
        foreach (var (kind, path) in e.ExtraPaths)
            yield return Case(e, kind, path, NaturalBody(e), e.Credential);
    }

    private static IEnumerable<AdversarialCase> Structural(EndpointSpec e)
    {
        var valid = JsonBody.ToBytes(e.BaseBody!);
        var text = Encoding.UTF8.GetString(valid);
        var withoutClose = text[..text.LastIndexOf('}')];
        var deepArrays = new string('[', 65) + new string(']', 65);
        var deepObjects = string.Concat(Enumerable.Repeat("{\"a\":", 65)) + "1" + new string('}', 65);
        var bodies = new List<(string Kind, byte[] Body)>
        {
            ("body: empty", []),
            ("body: not JSON", Encoding.UTF8.GetBytes("not json")),
            ("body: truncated JSON", valid[..(valid.Length / 2)]),
            ("body: trailing data", Encoding.UTF8.GetBytes(text + " x")),
            ("body: trailing comma", Encoding.UTF8.GetBytes(withoutClose + ",}")),
            ("body: comment", Encoding.UTF8.GetBytes("/* fuzz */" + text)),
            ("body: single quotes", Encoding.UTF8.GetBytes(text.Replace('"', '\''))),
            ("body: UTF-16 with a byte order mark", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)]),
            ("body: invalid UTF-8 in a property name", JsonBody.ToBytes(WithProperty(e.BaseBody!, "fuzz" + JsonBody.InvalidUtf8, 1))),
            ("body: arrays nested 65 deep", Encoding.UTF8.GetBytes(withoutClose + ",\"fuzz_deep\":" + deepArrays + "}")),
            ("body: objects nested 65 deep", Encoding.UTF8.GetBytes(withoutClose + ",\"fuzz_deep\":" + deepObjects + "}")),
            ("root: array", Encoding.UTF8.GetBytes("[]")),
            ("root: array holding the body", Encoding.UTF8.GetBytes("[" + text + "]")),
            ("root: string", Encoding.UTF8.GetBytes("\"x\"")),
            ("root: number", Encoding.UTF8.GetBytes("42")),
            ("root: null", Encoding.UTF8.GetBytes("null")),
            ("root: true", Encoding.UTF8.GetBytes("true")),
        };
        if (e.BodyLimit is { } limit)
        {
            // Valid JSON whose only fault is its size: whitespace before the valid body.
            var padded = new byte[limit + 1];
            Array.Fill(padded, (byte)' ');
            valid.CopyTo(padded, padded.Length - valid.Length);
            bodies.Add(($"body: {limit + 1} bytes (limit {limit})", padded));
        }
        return bodies.Select(b => Case(e, b.Kind, e.Path, b.Body, e.Credential));
    }

    private static JsonObject WithProperty(JsonObject body, string name, JsonNode value)
    {
        var copy = (JsonObject)body.DeepClone();
        copy[name] = value;
        return copy;
    }

    private IEnumerable<BodyMutation> Sample(IReadOnlyList<BodyMutation> all, int count)
    {
        if (all.Count <= count) return all;
        var picked = all.ToArray();
        _random.Shuffle(picked);
        return picked.Take(count);
    }
}

/// <summary>Malformed values of path parameters, by parameter name.</summary>
public static class PathValues
{
    public static IEnumerable<(string Kind, string Value)> For(string parameter) => parameter switch
    {
        "id" =>
        [
            ("id 0", "0"), ("id -1", "-1"), ("id abc", "abc"), ("id 20 digits", "99999999999999999999"), ("id 1e5", "1e5"),
            ("id %00", "%00"), ("id 1.5", "1.5"), ("id 0x10", "0x10"), ("id with a space", "1%202"), ("id 5000 characters", new string('9', 5000)),
        ],
        "env" =>
        [
            ("name UPPER", "UPPER"), ("name with a space", "a%20b"), ("name ../x", "..%2Fx"), ("name 65 characters", new string('a', 65)),
            ("name 300 characters", new string('a', 300)), ("name %00", "%00"), ("name -x", "-x"), ("name non-ASCII", "caf%C3%A9"),
        ],
        "hostname" =>
        [
            ("name with a space and '!'", "bad%20name!"), ("name %00", "%00"), ("name 254 characters", new string('a', 254)),
            ("name ../x", "..%2Fx"), ("name non-ASCII", "caf%C3%A9"),
        ],
        "action" => [("unknown 'stop'", "stop"), ("upper case 'PAUSE'", "PAUSE"), ("%00", "%00"), ("'pause%00'", "pause%00"), ("300 characters", new string('a', 300))],
        "port" =>
        [
            ("port 0", "0"), ("port -1", "-1"), ("port 65536", "65536"), ("port abc", "abc"), ("port 20 digits", "99999999999999999999"),
            ("port %00", "%00"), ("port 80.5", "80.5"), ("port 0x50", "0x50"),
        ],
        _ => throw new ArgumentException($"no malformed values for path parameter {{{parameter}}}"),
    };
}
