using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Waiting;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>A cmdlet that talks to a cluster: <c>-Cluster</c>, else the session's, environment's or config file's.</summary>
public abstract class RiverClientCmdlet : RiverCmdlet
{
    private RiverClient? _client;
    private RiverClusterConnection? _connection;

    /// <summary>The cluster to use instead of the default (from Connect-RiverCluster or Get-RiverCluster).</summary>
    [Parameter]
    [ValidateNotNull]
    public RiverClusterConnection? Cluster { get; set; }

    /// <summary>The client of the resolved cluster; resolved on first use, so -WhatIf never needs a host.</summary>
    protected RiverClient Client => _client ??= RiverSession.ClientFor(Connection);

    /// <summary>The resolved cluster itself (its address and token), for what goes beside the API: the SSH proxy.</summary>
    protected RiverClusterConnection Connection
    {
        get
        {
            if (_connection is not null) return _connection;
            try
            {
                _connection = RiverSession.Resolve(Cluster);
            }
            catch (Exception e) when (e is RiverNotConnectedException or ClientConfigException)
            {
                ThrowRiverError(e, Cluster);
            }
            return _connection!;
        }
    }

    /// <summary>
    /// Waits as Wait-Job does (see <see cref="TaskWaiter"/>), with a progress bar "k of n finished" under a stable
    /// activity id that always ends with a Completed record; unknown ids are reported one by one as they are found.
    /// </summary>
    protected void WaitForTasks(IReadOnlyList<long> ids, TaskWaitOptions options, int activityId, string activity)
    {
        var client = Client;
        var bar = new ProgressRecord(activityId, activity, new WaitProgress(0, ids.Count).ToString()) { PercentComplete = 0 };
        TaskWaitResult? result = null;
        try
        {
            WriteProgress(bar);
            Pump(async (writer, ct) =>
            {
                result = await new TaskWaiter(client, options).WaitAsync(ids,
                    progress: p => writer.PostAsync(() =>
                    {
                        // A new record each time: hosts that keep the records keep them as written.
                        bar = new ProgressRecord(activityId, activity, p.ToString()) { PercentComplete = p.PercentComplete };
                        WriteProgress(bar);
                    }),
                    missing: (id, e) => writer.PostAsync(() => WriteRiverError(e, id, RiverObjectKind.Task)),
                    ct).ConfigureAwait(false);
            });
        }
        catch (RiverApiException e)
        {
            WriteRiverError(e, ids.Count == 1 ? ids[0] : ids, RiverObjectKind.Task);
            return;
        }
        finally
        {
            CompleteProgress(bar);
        }
        foreach (var t in result!.Output) WriteObject(t);
        if (!result.Satisfied)
            WriteVerbose($"timed out with {result.Unfinished.Count} task(s) unfinished");
    }
}
