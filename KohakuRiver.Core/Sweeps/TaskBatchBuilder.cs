using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// Builds the one batch an invocation of <c>Submit-RiverTask</c> submits. Each piped point (times each point of the
/// <c>-Sweep</c> grid, if any) becomes one task specification with its placeholders filled and its parameters
/// recorded; with no piped input the grid alone (or, without a grid, the template taken literally) is the batch.
/// A point that cannot be filled throws <see cref="SweepException"/> and adds nothing, so the caller can report it
/// and go on with the next.
/// </summary>
public sealed class TaskBatchBuilder
{
    private readonly TaskTemplate _template;
    private readonly SweepGrid? _grid;
    private readonly Func<object, object>? _unwrap;
    private readonly PlaceholderTemplate _command;
    private readonly PlaceholderTemplate[] _arguments;
    private readonly PlaceholderTemplate? _name;
    private readonly (string Key, PlaceholderTemplate Value)[] _env;
    private readonly PlaceholderTemplate[] _targets;
    private readonly PlaceholderTemplate[] _mounts;
    private readonly HashSet<string> _used;
    // Lists without placeholders are shared by every specification: a 10,000-point sweep need not copy them.
    private readonly List<string>? _fixedTargets;
    private readonly List<string>? _fixedMounts;
    private readonly List<SubmitRequest> _specs = [];
    private int _points;

    public TaskBatchBuilder(TaskTemplate template, SweepGrid? grid = null, Func<object, object>? unwrap = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        template.Validate();
        _template = template;
        _grid = grid is { Count: > 0 } ? grid : null;
        _unwrap = unwrap;
        _command = PlaceholderTemplate.Parse(template.Command);
        _arguments = template.Arguments.Select(PlaceholderTemplate.Parse).ToArray();
        _name = template.Name is null ? null : PlaceholderTemplate.Parse(template.Name);
        _env = template.EnvironmentVariables.Select(kv => (kv.Key, PlaceholderTemplate.Parse(kv.Value))).ToArray();
        _targets = template.Targets.Select(PlaceholderTemplate.Parse).ToArray();
        _mounts = template.Mounts.Select(PlaceholderTemplate.Parse).ToArray();
        _used = new HashSet<string>(
            new[] { _command }.Concat(_arguments).Concat(_name is null ? [] : [_name]).Concat(_env.Select(e => e.Value))
                .Concat(_targets).Concat(_mounts).SelectMany(t => t.Placeholders),
            StringComparer.OrdinalIgnoreCase);
        if (_targets.All(t => !t.HasPlaceholders) && _targets.Length > 0) _fixedTargets = [.. template.Targets];
        if (_mounts.All(t => !t.HasPlaceholders) && _mounts.Length > 0) _fixedMounts = [.. template.Mounts];
    }

    /// <summary>The placeholder names the template uses.</summary>
    public IReadOnlyCollection<string> Placeholders => _used;

    /// <summary>Task specifications so far (each becomes one task per target).</summary>
    public int SpecCount => _specs.Count;

    /// <summary>Tasks the host will create: one per specification and target.</summary>
    public int TaskCount => _specs.Count * Math.Max(1, _template.Targets.Count);

    /// <summary>Points offered so far, accepted or not (numbers the points in error messages).</summary>
    public int PointsSeen => _points;

    /// <summary>
    /// Adds the tasks of one piped point (one, or one per grid point). All or nothing for the point.
    /// <paramref name="environment"/> is the environment the point itself names (an environment object piped in binds
    /// -Environment by property name): it replaces the template's for this point's tasks, unless the template runs an
    /// image, which the user asked for explicitly and which wins.
    /// </summary>
    public int AddPoint(SweepPoint point, string? environment = null)
    {
        ArgumentNullException.ThrowIfNull(point);
        point.WithIndex(++_points);
        var pointEnvironment = string.IsNullOrWhiteSpace(environment) || _template.Image is not null ? null : environment.Trim();
        if (_grid is null)
        {
            _specs.Add(WithEnvironment(Fill(point, null), pointEnvironment));
            return 1;
        }
        foreach (var name in _grid.Names)
            if (point.TryGetValue(name, out _))
                throw new SweepException($"{point.Description} and -Sweep both give '{name}'; give each parameter once");
        var added = new List<SubmitRequest>();
        foreach (var gridPoint in _grid.Points()) added.Add(WithEnvironment(Fill(point, gridPoint), pointEnvironment));
        _specs.AddRange(added);
        return added.Count;
    }

    /// <summary>What an invocation with no piped input submits: the grid's points, or one task taken literally.</summary>
    public int AddWithoutInput()
    {
        if (_grid is null)
        {
            _specs.Add(Literal());
            return 1;
        }
        var before = _specs.Count;
        var n = 0;
        foreach (var gridPoint in _grid.Points())
            _specs.Add(Fill(SweepPoint.FromPairs([], $"sweep point {++n}"), gridPoint));
        return _specs.Count - before;
    }

    public BatchSubmitRequest Build() => new() { Tasks = _specs };

    private static SubmitRequest WithEnvironment(SubmitRequest spec, string? environment)
    {
        if (environment is not null) spec.ContainerName = environment;
        return spec;
    }

    private SubmitRequest Literal() => new()
    {
        Name = _template.Name,
        Command = _template.Command,
        Arguments = _template.Arguments.Count > 0 ? [.. _template.Arguments] : null,
        EnvVars = _template.EnvironmentVariables.Count > 0 ? _template.EnvironmentVariables.ToDictionary(kv => kv.Key, kv => kv.Value) : null,
        RequiredCores = _template.Cores,
        RequiredMemoryBytes = _template.MemoryBytes,
        PidsLimit = _template.PidsLimit,
        RequiredGpuCount = _template.Gpus,
        Targets = _template.Targets.Count > 0 ? [.. _template.Targets] : null,
        ContainerName = _template.Environment,
        RegistryImage = _template.Image,
        Privileged = _template.Privileged,
        AdditionalMounts = _template.Mounts.Count > 0 ? [.. _template.Mounts] : null,
    };

    private SubmitRequest Fill(SweepPoint point, KeyValuePair<string, object?>[]? gridPoint)
    {
        var description = point.Description;
        if (gridPoint is not null)
            description += " at " + string.Join(", ", gridPoint.Select(kv => $"{kv.Key}={SweepValueFormatter.Format(kv.Value, _unwrap)}"));

        string? Lookup(string name)
        {
            if (gridPoint is not null)
                foreach (var kv in gridPoint)
                    if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))
                        return SweepValueFormatter.Format(kv.Value, _unwrap);
            return point.TryGetValue(name, out var v) ? SweepValueFormatter.Format(v, _unwrap) : null;
        }

        string FillOne(PlaceholderTemplate t)
        {
            try
            {
                return t.Fill(Lookup, description);
            }
            catch (SweepException e)
            {
                var available = (gridPoint?.Select(kv => kv.Key) ?? []).Concat(point.Names).Take(20).ToList();
                throw new SweepException($"{e.Message}; it has {(available.Count == 0 ? "no values" : string.Join(", ", available))} " +
                                         "(write {{ and }} for literal braces)");
            }
        }

        // Recorded parameters: all of a record's values, the grid's values, and whatever else the template used.
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in point.RecordedValues) parameters[key] = SweepValueFormatter.Format(value, _unwrap);
        if (gridPoint is not null)
            foreach (var (key, value) in gridPoint) parameters[key] = SweepValueFormatter.Format(value, _unwrap);

        var spec = new SubmitRequest
        {
            Command = FillOne(_command),
            Arguments = _arguments.Length > 0 ? _arguments.Select(FillOne).ToList() : null,
            Name = _name is null ? null : FillOne(_name),
            EnvVars = _env.Length > 0 ? _env.ToDictionary(e => e.Key, e => FillOne(e.Value)) : null,
            RequiredCores = _template.Cores,
            RequiredMemoryBytes = _template.MemoryBytes,
            PidsLimit = _template.PidsLimit,
            RequiredGpuCount = _template.Gpus,
            Targets = _fixedTargets ?? (_targets.Length > 0 ? _targets.Select(FillOne).ToList() : null),
            ContainerName = _template.Environment,
            RegistryImage = _template.Image,
            Privileged = _template.Privileged,
            AdditionalMounts = _fixedMounts ?? (_mounts.Length > 0 ? _mounts.Select(FillOne).ToList() : null),
        };
        if (_fixedTargets is null && spec.Targets is not null)
        {
            foreach (var t in spec.Targets)
                if (!TargetSpec.TryParse(t, out _, out var error))
                    throw new SweepException($"{description}: {error}");
            try
            {
                GpuCount.Check(_template.Gpus, spec.Targets);
            }
            catch (ArgumentException e)
            {
                throw new SweepException($"{description}: {e.Message}");
            }
        }

        foreach (var name in _used)
            if (!parameters.ContainsKey(name) && Lookup(name) is { } v)
                parameters[name] = v;
        spec.Parameters = parameters.Count > 0 ? parameters : null;
        return spec;
    }
}
