using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Nodes;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>A node's recent heartbeats (CPU, memory, temperatures, GPUs), one object per sample, oldest first. Nodes
/// come by name or piped in (Get-RiverNode, a task's NodeName).</summary>
[Cmdlet(VerbsCommon.Get, "RiverNodeHistory")]
[OutputType(typeof(RiverNodeSample))]
public sealed class GetRiverNodeHistoryCommand : RiverClientCmdlet
{
    // A task piped in before it was placed has no node: allowed through, and skipped below.
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string?[]? NodeName { get; set; }

    /// <summary>Only samples taken at or after this time (a local time unless it says otherwise).</summary>
    [Parameter]
    public DateTime Since { get; set; }

    /// <summary>Only the newest this many samples.</summary>
    [Parameter]
    [ValidateRange(1, RequestLimits.MaxHistorySamples)]
    public int Last { get; set; }

    protected override void ProcessRecord()
    {
        DateTimeOffset? since = MyInvocation.BoundParameters.ContainsKey(nameof(Since)) ? new DateTimeOffset(Since.ToUniversalTime()) : null;
        int? last = MyInvocation.BoundParameters.ContainsKey(nameof(Last)) ? Last : null;
        var client = Client;
        foreach (var name in NodeName ?? [])
        {
            // A task piped in before it was placed has no node: nothing to show for it.
            if (string.IsNullOrWhiteSpace(name)) continue;
            IReadOnlyList<RiverNodeSample> samples;
            try
            {
                samples = RiverNodeSample.FromHistory(Await(ct => client.GetNodeHistoryAsync(name, since, last, ct)));
            }
            catch (RiverApiException e)
            {
                WriteRiverError(e, name, RiverObjectKind.Node);
                continue;
            }
            foreach (var sample in samples) WriteObject(sample);
        }
    }
}
