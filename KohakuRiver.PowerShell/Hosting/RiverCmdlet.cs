using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Pipeline;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>
/// The base of every cmdlet: owns the cancellation that Ctrl+C (<see cref="StopProcessing"/>) triggers, runs async
/// Core calls so that every write happens on the pipeline thread, and turns failures into specific ErrorRecords.
/// </summary>
public abstract class RiverCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    protected CancellationToken Cancellation => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    private RiverCallTrace? _trace;
    private bool _traceDecided;

    /// <summary>
    /// The trace of this command's host calls when its verbose output is shown (-Verbose, or $VerbosePreference), else
    /// null, so that a normal run pays nothing for it. Decided once per command, as PowerShell decides its preferences.
    /// </summary>
    private RiverCallTrace? Trace
    {
        get
        {
            if (_traceDecided) return _trace;
            _traceDecided = true;
            _trace = VerboseShown() ? new RiverCallTrace() : null;
            return _trace;
        }
    }

    private bool VerboseShown() =>
        Preference("Verbose", "VerbosePreference") is { } a && a is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

    /// <summary>
    /// One of this command's preferences as PowerShell applies it: the common parameter if bound (-ErrorAction, or a
    /// switch such as -Verbose, read as Continue or SilentlyContinue), else the preference variable in scope; null
    /// when neither says.
    /// </summary>
    internal ActionPreference? Preference(string commonParameter, string variable)
    {
        var value = MyInvocation.BoundParameters.TryGetValue(commonParameter, out var bound) ? bound : GetVariableValue(variable);
        return (value is PSObject p ? p.BaseObject : value) switch
        {
            ActionPreference a => a,
            SwitchParameter on => on.IsPresent ? ActionPreference.Continue : ActionPreference.SilentlyContinue,
            bool on => on ? ActionPreference.Continue : ActionPreference.SilentlyContinue,
            string text when Enum.TryParse<ActionPreference>(text, true, out var parsed) => parsed,
            _ => null,
        };
    }

    /// <summary>Closes a progress bar with a Completed record, made new (hosts keep records as written); nothing while
    /// the pipeline is stopping, when PowerShell refuses writes.</summary>
    protected void CompleteProgress(ProgressRecord last)
    {
        if (Stopping) return;
        WriteProgress(new ProgressRecord(last.ActivityId, last.Activity, last.StatusDescription)
            { PercentComplete = last.PercentComplete, RecordType = ProgressRecordType.Completed });
    }

    /// <summary>Writes what the host calls traced so far (on the pipeline thread: WriteVerbose allows no other).</summary>
    private void WriteTrace() => _trace?.Drain(WriteVerbose);

    /// <summary>Runs one async call to completion on the thread pool; the caller writes its result afterwards.</summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> call)
    {
        var trace = Trace;
        using var scope = trace?.Begin();
        try
        {
            return Task.Run(() => call(Cancellation), Cancellation).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            if (!Stopping) WriteTrace();
        }
    }

    /// <summary>Runs async work that streams results: everything it posts through the writer runs here, in order.</summary>
    protected void Pump(Func<PumpWriter, CancellationToken, Task> work)
    {
        var trace = Trace;
        using var scope = trace?.Begin();
        try
        {
            PipelinePump.Run(work, Cancellation, beforeEach: trace is null ? null : WriteTrace);
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Runs one async call that returns nothing to completion on the thread pool.</summary>
    protected void Await(Func<CancellationToken, Task> call) => Await(async ct =>
    {
        await call(ct).ConfigureAwait(false);
        return true;
    });

    /// <summary>A path as the user typed it, made absolute against PowerShell's current location (not the process's),
    /// with <c>~</c> expanded.</summary>
    protected string ResolveUserPath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>The process environment (a cmdlet's own Environment parameter hides System.Environment).</summary>
    protected static string? ProcessVariable(string name) => System.Environment.GetEnvironmentVariable(name);

    /// <summary>Writes the error for one bad item and lets the pipeline go on, unless nothing more can succeed.</summary>
    protected void WriteRiverError(Exception error, object? target, RiverObjectKind kind = RiverObjectKind.Task)
    {
        var record = ToErrorRecord(error, target, kind, out var stops);
        if (stops) ThrowTerminatingError(record);
        WriteError(record);
    }

    /// <summary>Ends the command with the error, whatever it is.</summary>
    protected void ThrowRiverError(Exception error, object? target, RiverObjectKind kind = RiverObjectKind.Task) =>
        ThrowTerminatingError(ToErrorRecord(error, target, kind, out _));

    internal static ErrorRecord ToErrorRecord(Exception error, object? target, RiverObjectKind kind, out bool stops)
    {
        var info = RiverErrorMapper.Describe(error, kind);
        stops = info.StopsCommand;
        var category = Enum.TryParse<ErrorCategory>(info.Category.ToString(), out var c) ? c : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(error, info.ErrorId, category, target);
        record.ErrorDetails = new ErrorDetails(info.Message) { RecommendedAction = info.RecommendedAction };
        return record;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
