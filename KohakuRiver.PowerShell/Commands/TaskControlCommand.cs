using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Stop, Suspend and Resume: one host call per task, each confirmed through ShouldProcess; a task that fails
/// is reported and the rest go on. -PassThru writes each task as it is afterwards.</summary>
public abstract class TaskControlCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract string Action { get; }

    protected abstract Task<MessageResponse> ApplyAsync(RiverClient client, long taskId, CancellationToken ct);

    protected override void ProcessRecord()
    {
        foreach (var id in TaskId)
        {
            if (!ShouldProcess($"task {id}", Action)) continue;
            var client = Client;
            try
            {
                var answer = Await(ct => ApplyAsync(client, id, ct));
                WriteVerbose(answer.Message);
                if (PassThru) WriteObject(Await(ct => client.GetTaskAsync(id, ct)));
            }
            catch (RiverApiException e)
            {
                WriteRiverError(e, id);
            }
        }
    }
}
