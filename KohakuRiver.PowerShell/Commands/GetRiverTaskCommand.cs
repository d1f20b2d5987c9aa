using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Listing;
using KohakuRiver.Core.Models;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Tasks by id, or listed newest first (streamed page by page) and narrowed by batch, node and status. A task piped in
/// is read again (its TaskId binds); a node piped in lists its tasks (its NodeName binds).
/// </summary>
[Cmdlet(VerbsCommon.Get, "RiverTask")]
[OutputType(typeof(Core.Tasks.RiverTask))]
public sealed class GetRiverTaskCommand : RiverClientCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[]? TaskId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public long? BatchId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? NodeName { get; set; }

    /// <summary>Only tasks in these states (names such as Running or killed_oom).</summary>
    [Parameter]
    [TaskStatusTransformation]
    public RiverTaskStatus[]? Status { get; set; }

    /// <summary>At most this many, newest first.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Newest { get; set; }

    protected override void ProcessRecord()
    {
        var filter = new TaskFilter
        {
            TaskIds = TaskId ?? [],
            BatchId = BatchId,
            NodeName = NodeName,
            Statuses = Status ?? [],
            Newest = MyInvocation.BoundParameters.ContainsKey(nameof(Newest)) ? Newest : null,
        };
        var client = Client;
        try
        {
            Pump(async (writer, ct) =>
            {
                await foreach (var found in TaskListing.QueryAsync(client, filter, ct).ConfigureAwait(false))
                {
                    if (found.Error is { } error) await writer.PostAsync(() => WriteRiverError(error, found.RequestedId)).ConfigureAwait(false);
                    else await writer.PostAsync(() => WriteObject(found.Task)).ConfigureAwait(false);
                }
            });
        }
        catch (RiverApiException e)
        {
            WriteRiverError(e, filter.TaskIds.Count == 1 ? filter.TaskIds[0] : client.BaseUri);
        }
    }
}
