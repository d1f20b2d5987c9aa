using System.Management.Automation;
using System.Management.Automation.Runspaces;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Forwarding;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Forwards a port of a running task's container to a port on 127.0.0.1, through the host and the task's runner (no
/// published port, nothing put into the container). Writes the forward, which lives in this session until
/// Stop-RiverPortForward or the session's end; -Wait keeps it in the foreground until Ctrl+C, then stops it.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "RiverPortForward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PortForward))]
public sealed class StartRiverPortForwardCommand : RiverClientCmdlet
{
    private readonly List<PortForward> _started = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    /// <summary>The port inside the container.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>The local port (default 0: a free one the system picks).</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int LocalPort { get; set; }

    [Parameter]
    public ForwardProtocol Protocol { get; set; } = ForwardProtocol.Tcp;

    /// <summary>Stay in the foreground until Ctrl+C, then stop the forward.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in TaskId)
        {
            var local = LocalPort == 0 ? "a free local port" : $"127.0.0.1:{LocalPort}";
            if (!ShouldProcess($"task {id} port {Port}/{Protocol.ToWire()}", $"Forward from {local}")) continue;
            if (LocalPort != 0 && _started.Count > 0)
            {
                WriteError(new ErrorRecord(new ArgumentException($"-LocalPort {LocalPort} is taken by the forward to task {_started[0].TaskId}: give several tasks -LocalPort 0"),
                    "RiverLocalPortUnavailable", ErrorCategory.ResourceUnavailable, id));
                continue;
            }
            var client = Client;
            PortForward forward;
            try
            {
                forward = Await(ct => PortForward.StartAsync(client, id, Port, LocalPort, Protocol, ct));
            }
            catch (LocalPortUnavailableException e)
            {
                WriteError(new ErrorRecord(e, "RiverLocalPortUnavailable", ErrorCategory.ResourceUnavailable, e.Port)
                    { ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Give another -LocalPort, or leave it out for a free one." } });
                continue;
            }
            catch (RiverApiException e)
            {
                WriteRiverError(e, id);
                continue;
            }
            PortForwardRegistry.Add(Runspace.DefaultRunspace, forward);
            _started.Add(forward);
            WriteVerbose($"forwarding {forward}");
            WriteObject(forward);
        }
    }

    protected override void EndProcessing()
    {
        if (!Wait || _started.Count == 0) return;
        try
        {
            // Until Ctrl+C (which cancels the wait) or until every forward has stopped or failed.
            Await(ct => Task.WhenAll(_started.Select(f => f.Completion)).WaitAsync(ct));
            foreach (var f in _started.Where(f => f.State == PortForwardState.Failed))
                WriteError(new ErrorRecord(new IOException(f.Error), "RiverPortForwardFailed", ErrorCategory.ConnectionError, f));
        }
        finally
        {
            foreach (var f in _started)
            {
                PortForwardRegistry.Remove(Runspace.DefaultRunspace, f);
                f.StopAsync().Wait(TimeSpan.FromSeconds(10));
            }
        }
    }
}
