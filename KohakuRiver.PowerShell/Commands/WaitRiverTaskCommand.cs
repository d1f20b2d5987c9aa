using System.Management.Automation;
using KohakuRiver.Core.Waiting;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Wait-Job for tasks: collects every id from the pipeline, then waits for all (or, with -Any, the first) to finish
/// and writes the finished tasks; on -Timeout it writes nothing. Ctrl+C stops the wait at once.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "RiverTask")]
[OutputType(typeof(Core.Tasks.RiverTask))]
public sealed class WaitRiverTaskCommand : RiverClientCmdlet
{
    internal const int ActivityId = 0x5249_5600;

    private readonly List<long> _ids = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    /// <summary>Return when any one task has finished (that task).</summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    /// <summary>Seconds to wait; -1 (the default) waits for ever. Nothing is written when it passes.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(-1, int.MaxValue)]
    public int Timeout { get; set; } = -1;

    protected override void ProcessRecord() => _ids.AddRange(TaskId);

    protected override void EndProcessing()
    {
        if (_ids.Count == 0) return;
        var options = new TaskWaitOptions { Any = Any, Timeout = TaskWaitOptions.TimeoutFromSeconds(Timeout) };
        WaitForTasks(_ids.Distinct().ToList(), options, ActivityId, Any ? "Waiting for the first task" : "Waiting for tasks");
    }
}
