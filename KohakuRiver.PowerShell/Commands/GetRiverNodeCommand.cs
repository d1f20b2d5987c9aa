using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Listing;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>The cluster's nodes, all or by name (wildcards allowed). A task piped in shows the node it ran on.</summary>
[Cmdlet(VerbsCommon.Get, "RiverNode")]
[OutputType(typeof(RiverNode))]
public sealed class GetRiverNodeCommand : RiverClientCmdlet
{
    private IReadOnlyList<RiverNode>? _nodes;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string[]? NodeName { get; set; }

    protected override void ProcessRecord()
    {
        // A task piped in before it was placed has no node: nothing to show for it.
        if (MyInvocation.ExpectingInput && (NodeName is null || NodeName.All(string.IsNullOrWhiteSpace))) return;
        var client = Client;
        try
        {
            // One listing serves every piped item.
            _nodes ??= Await(ct => client.GetNodesAsync(ct));
        }
        catch (RiverApiException e)
        {
            WriteRiverError(e, client.BaseUri, RiverObjectKind.Node);
            return;
        }
        var (nodes, missing) = NodeSelector.Select(_nodes, NodeName);
        foreach (var n in nodes) WriteObject(n);
        foreach (var name in missing)
            WriteRiverError(new KeyNotFoundException($"node '{name}' is not known to the host"), name, RiverObjectKind.Node);
    }
}
