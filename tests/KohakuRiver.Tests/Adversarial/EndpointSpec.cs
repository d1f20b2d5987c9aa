using System.Text.Json.Nodes;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// One endpoint as the fuzzer sees it: a path template whose parameters ({id}, {env}, {hostname}, {action}) have
/// natural values that make a valid request with <see cref="BaseBody"/>, the fields of that body, and the fixed
/// rule cases that the generic catalogue cannot know about.
/// </summary>
public sealed record EndpointSpec(Server Server, HttpMethod Method, string Template, Credential Credential)
{
    public string Route => $"{Method} {Template}";

    /// <summary>Values of the template's parameters for the natural (valid) request.</summary>
    public IReadOnlyDictionary<string, string> Natural { get; init; } = new Dictionary<string, string>();

    public JsonObject? BaseBody { get; init; }

    /// <summary>The body size the host must refuse above (<see cref="KohakuRiver.Core.Wire.RequestLimits"/>); null where no
    /// limit is asserted.</summary>
    public long? BodyLimit { get; init; }

    public IReadOnlyList<FieldSpec> Fields { get; init; } = [];

    /// <summary>Sent every run.</summary>
    public IReadOnlyList<BodyMutation> Rules { get; init; } = [];

    /// <summary>A seeded sample of <see cref="SampledRuleCount"/> of these is sent (a batch gets a sample of the
    /// single-task rules, not all of them again).</summary>
    public IReadOnlyList<BodyMutation> SampledRules { get; init; } = [];

    public int SampledRuleCount { get; init; }

    /// <summary>Whole paths (with query strings) that are wrong for this endpoint beyond malformed parameters: an
    /// unknown or finished task, an out-of-range query value.</summary>
    public IReadOnlyList<(string Kind, string Path)> ExtraPaths { get; init; } = [];

    public string Path => Fill(Template, Natural);

    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var path = template;
        foreach (var (name, value) in values) path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
        return path;
    }

    public IEnumerable<string> Parameters =>
        Natural.Keys.Where(k => Template.Contains("{" + k + "}", StringComparison.Ordinal));
}

/// <summary>What the fuzzer knows of the cluster it attacks: names and ids that make requests valid or known-bad.</summary>
public sealed record FuzzTargets
{
    public required string NodeName { get; init; }
    public required int NodeCores { get; init; }
    public required long NodeMemoryBytes { get; init; }
    public required long FinishedTaskId { get; init; }
    /// <summary>A task that holds every core of the node for the whole run, so that a submission the host wrongly
    /// accepts stays queued instead of starting containers.</summary>
    public required long RunningTaskId { get; init; }
    /// <summary>An id no task has.</summary>
    public required long UnknownTaskId { get; init; }
    /// <summary>Environment names of this run start with this, so that its containers are told from other tests'.</summary>
    public required string EnvironmentPrefix { get; init; }
    public string SeededEnvironment => EnvironmentPrefix + "seed";
    public string NewEnvironment => EnvironmentPrefix + "new";
    public string AbsentEnvironment => EnvironmentPrefix + "absent";
    /// <summary>An existing directory that is fine to mount.</summary>
    public required string MountableDir { get; init; }
    /// <summary>A symbolic link to /.</summary>
    public required string LinkToRoot { get; init; }
    public required string HostDataDir { get; init; }
    public required string Image { get; init; }
}
