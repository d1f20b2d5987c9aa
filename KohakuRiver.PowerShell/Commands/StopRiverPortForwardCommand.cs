using System.Management.Automation;
using System.Management.Automation.Runspaces;
using KohakuRiver.Core.Forwarding;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Stops port forwards of this session: those piped in, those of some tasks, those on some local ports, or all.
/// Each one's local port is free when it returns.</summary>
[Cmdlet(VerbsLifecycle.Stop, "RiverPortForward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ForwardSet)]
[OutputType(typeof(PortForward))]
public sealed class StopRiverPortForwardCommand : RiverCmdlet
{
    private const string ForwardSet = "Forward";
    private const string TaskSet = "TaskId";
    private const string LocalPortSet = "LocalPort";
    private const string AllSet = "All";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ForwardSet)]
    public PortForward[] Forward { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TaskSet)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LocalPortSet)]
    [ValidateRange(1, 65535)]
    public int[] LocalPort { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var runspace = Runspace.DefaultRunspace;
        var mine = PortForwardRegistry.List(runspace);
        IEnumerable<PortForward> chosen = ParameterSetName switch
        {
            ForwardSet => Forward,
            TaskSet => mine.Where(f => TaskId.Contains(f.TaskId)),
            LocalPortSet => mine.Where(f => LocalPort.Contains(f.LocalPort)),
            _ => mine,
        };
        var stopped = 0;
        foreach (var forward in chosen.Distinct().ToList())
        {
            if (!ShouldProcess(forward.ToString(), "Stop port forward")) continue;
            PortForwardRegistry.Remove(runspace, forward);
            Await(_ => forward.StopAsync());
            stopped++;
            if (PassThru) WriteObject(forward);
        }
        if (stopped == 0 && ParameterSetName is TaskSet or LocalPortSet)
        {
            var what = ParameterSetName == TaskSet ? $"task {string.Join(", ", TaskId)}" : $"local port {string.Join(", ", LocalPort)}";
            WriteError(new ErrorRecord(new ItemNotFoundException($"this session has no port forward for {what}"),
                "RiverPortForwardNotFound", ErrorCategory.ObjectNotFound, ParameterSetName == TaskSet ? TaskId : LocalPort));
        }
    }
}
