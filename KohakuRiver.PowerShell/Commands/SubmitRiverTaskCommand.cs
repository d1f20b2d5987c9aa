using System.Collections;
using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Pipeline;
using KohakuRiver.Core.Sweeps;
using KohakuRiver.Core.Waiting;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Submits a task, or a sweep of tasks as one batch in one call. Objects piped in fill the <c>{placeholder}</c>s of the
/// command, arguments, name, environment-variable values, targets and mounts from their properties (hashtable keys
/// too); <c>-Sweep @{lr = 0.1, 0.01; seed = 1..3}</c> multiplies each of them (or, with nothing piped, stands alone)
/// by the cartesian product of its lists. Each task records the values it was made from in its Parameters.
/// Without piped input or -Sweep the command is taken literally.
/// <para>
/// A large sweep (<see cref="ProgressThreshold"/> tasks or more) shows a progress bar while its points are built and
/// while the batch is sent, updated at most every 250 ms, under a stable activity id, and always closed by a Completed
/// record; -Wait then shows the waiting bar. Smaller submissions show none.
/// </para>
/// </summary>
[Cmdlet(VerbsLifecycle.Submit, "RiverTask")]
[OutputType(typeof(Core.Tasks.RiverTask))]
public sealed class SubmitRiverTaskCommand : RiverClientCmdlet
{
    internal const int WaitActivityId = 0x5249_5601;
    internal const int SubmitActivityId = 0x5249_5602;

    /// <summary>Tasks from which a submission shows progress.</summary>
    internal const int ProgressThreshold = 1000;

    private TaskBatchBuilder? _builder;
    private SweepGrid? _grid;
    private bool _sawInput;
    private readonly ProgressThrottle _throttle = new(ProgressThreshold, TimeSpan.FromMilliseconds(250));
    private ProgressRecord? _bar;

    /// <summary>The command; with no -ArgumentList it runs through a shell in the container.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = "";

    /// <summary>Arguments passed verbatim (no shell).</summary>
    [Parameter(Position = 1)]
    [Alias("Args")]
    public string[]? ArgumentList { get; set; }

    /// <summary>A sweep point: a hashtable, a PSCustomObject (a CSV row), any object, or a plain value (<c>{_}</c>).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Named value lists; their cartesian product is the sweep.</summary>
    [Parameter]
    public IDictionary? Sweep { get; set; }

    /// <summary>Where to run: node, node:numa, node::gpu,gpu. Several targets: one task on each, in the same batch.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TargetCompleter))]
    public string[]? Target { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Cores { get; set; }

    /// <summary>How many GPUs each task needs; the host chooses which (not together with GPU ids in -Target).</summary>
    [Parameter]
    [ValidateRange(1, Core.Wire.RequestLimits.MaxGpuIds)]
    public int Gpus { get; set; }

    /// <summary>Memory limit: <c>8GB</c> or <c>'8G'</c> (powers of 1024).</summary>
    [Parameter]
    [MemorySizeTransformation]
    public long Memory { get; set; }

    /// <summary>The most processes each task may hold at once (the host's default when not given; at least 16).</summary>
    [Parameter]
    [ValidateRange(16, int.MaxValue)]
    public int PidsLimit { get; set; }

    /// <summary>The environment (image <c>kohakuriver/NAME:base</c>). An object piped in with an Environment property
    /// (Get-RiverEnvironment's, a task's, a CSV column) sets it for that object's tasks, unless -Image is given.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string? Environment { get; set; }

    /// <summary>A registry image to run instead of an environment.</summary>
    [Parameter]
    public string? Image { get; set; }

    [Parameter]
    [Alias("Env")]
    public IDictionary? EnvironmentVariable { get; set; }

    /// <summary>Extra mounts, <c>host_path:container_path[:ro]</c>.</summary>
    [Parameter]
    public string[]? Mount { get; set; }

    [Parameter]
    public string? Name { get; set; }

    /// <summary>Wait until every task of the batch has finished, then write them as they ended.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            var template = new TaskTemplate
            {
                Command = Command,
                Arguments = ArgumentList ?? [],
                Name = Name,
                EnvironmentVariables = ToPairs(EnvironmentVariable),
                Cores = Bound(nameof(Cores)) ? Cores : null,
                MemoryBytes = Bound(nameof(Memory)) ? Memory : null,
                PidsLimit = Bound(nameof(PidsLimit)) ? PidsLimit : null,
                Targets = Target ?? [],
                Gpus = Bound(nameof(Gpus)) ? Gpus : null,
                Environment = Environment,
                Image = Image,
                Mounts = Mount ?? [],
            };
            _grid = Sweep is null ? null : SweepGrid.FromDictionary(Sweep, RiverSession.Unwrap);
            _builder = new TaskBatchBuilder(template, _grid, RiverSession.Unwrap);
        }
        catch (Exception e) when (e is ArgumentException or SweepException or FormatException)
        {
            ThrowRiverError(e, Command);
        }
    }

    protected override void ProcessRecord()
    {
        if (InputObject is null) return;
        _sawInput = true;
        // An array given with -InputObject (rather than piped) is a list of points.
        IEnumerable<object?> items = InputObject.BaseObject is IList list and not IDictionary ? list.Cast<object?>() : [InputObject];
        foreach (var item in items)
        {
            if (item is null) continue;
            var point = item as PSObject ?? PSObject.AsPSObject(item);
            try
            {
                // Environment is the command line's, or (bound by property name) this object's.
                _builder!.AddPoint(ToPoint(point), Environment);
            }
            catch (SweepException e)
            {
                WriteRiverError(e, point.BaseObject);
            }
            if (_throttle.Due(_builder!.TaskCount))
                ShowProgress($"Building the batch: {_builder.TaskCount} task(s) from {_builder.PointsSeen} point(s)");
        }
    }

    // A new record each time: hosts that keep the records (a runspace's Progress stream) keep them as written.
    private void ShowProgress(string status)
    {
        _bar = new ProgressRecord(SubmitActivityId, "Submitting tasks", status);
        WriteProgress(_bar);
    }

    protected override void EndProcessing()
    {
        SubmittedBatch? submitted;
        try
        {
            submitted = BuildAndSend();
        }
        finally
        {
            if (_bar is not null) CompleteProgress(_bar);
        }
        if (submitted is null) return;
        WriteVerbose($"batch {submitted.BatchId}: {submitted.Tasks.Count} task(s) accepted in one call");

        if (!Wait)
        {
            foreach (var t in submitted.Tasks) WriteObject(t);
            return;
        }
        WaitForTasks(submitted.Tasks.Select(t => t.TaskId).ToList(), new TaskWaitOptions(), WaitActivityId,
            $"Waiting for batch {submitted.BatchId}");
    }

    /// <summary>Builds the batch (the points came in ProcessRecord) and sends it; null when there is nothing to send.</summary>
    private SubmittedBatch? BuildAndSend()
    {
        var builder = _builder!;
        if (!_sawInput)
        {
            if (MyInvocation.ExpectingInput)
            {
                WriteWarning("nothing came down the pipeline, so nothing was submitted");
                return null;
            }
            if (_grid is not null && _throttle.Due(_grid.Count * Math.Max(1, Target?.Length ?? 0)))
                ShowProgress($"Building the batch: {_grid.Count} sweep point(s)");
            builder.AddWithoutInput();
        }
        if (builder.SpecCount == 0) return null;

        var client = Client;
        var batch = builder.Build();
        if (_bar is not null || builder.TaskCount >= ProgressThreshold)
            ShowProgress($"Sending {builder.TaskCount} task(s) to {client.BaseUri} in one call");
        try
        {
            return Await(ct => TaskBatchSubmitter.SubmitAsync(client, batch, null, ct));
        }
        catch (RiverApiException e)
        {
            // The batch is all or nothing: nothing was submitted, so nothing after this can go on.
            ThrowRiverError(e, Command);
            return null;
        }
    }

    private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    private static IReadOnlyList<KeyValuePair<string, string>> ToPairs(IDictionary? d)
    {
        if (d is null) return [];
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry e in d)
            pairs.Add(new(SweepValueFormatter.Format(e.Key, RiverSession.Unwrap), SweepValueFormatter.Format(e.Value, RiverSession.Unwrap)));
        return pairs;
    }

    /// <summary>The PowerShell view of a piped object, for Core: records for hashtables and PSCustomObjects (all
    /// their values are parameters), a lookup over PowerShell's properties for anything else.</summary>
    private static SweepPoint ToPoint(PSObject input)
    {
        var baseObject = input.BaseObject;
        if (baseObject is IDictionary dictionary) return SweepPoint.FromDictionary(dictionary);
        if (baseObject is PSCustomObject)
            return SweepPoint.FromPairs(input.Properties.Select(p => new KeyValuePair<string, object?>(p.Name, ValueOf(p))), "PSCustomObject");
        if (SweepValueFormatter.IsPlainValue(baseObject)) return SweepPoint.FromScalar(baseObject);
        return SweepPoint.FromView(name => input.Properties[name] is { } p ? (true, ValueOf(p)) : (false, null),
            () => input.Properties.Select(p => p.Name).ToList(), baseObject.GetType().Name);
    }

    private static object? ValueOf(PSPropertyInfo property)
    {
        try
        {
            return property.Value;
        }
        catch (Exception)
        {
            // A property whose getter throws (some .NET objects have them) is simply not a usable value.
            return null;
        }
    }
}
