using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Tasks;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Runs one non-interactive command in a running task's or VPS's container and writes its result: ExitCode, Stdout
/// and Stderr, as Invoke-RiverEnvironmentCommand does. A non-zero exit also writes RiverTaskCommandFailed after the
/// result, so <c>-ErrorAction Stop</c> stops a script at a failing step and the output is there either way.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "RiverTaskCommand", DefaultParameterSetName = CommandSet)]
[OutputType(typeof(TaskCommandResult))]
public sealed class InvokeRiverTaskCommandCommand : RiverClientCmdlet
{
    private const string CommandSet = "Command";
    private const string ArgumentsSet = "ArgumentList";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    /// <summary>A shell command line, run with /bin/sh -c.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = "";

    /// <summary>A program and its arguments, run as they are (no shell).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ArgumentsSet)]
    [Alias("Args", "Arguments")]
    [ValidateNotNullOrEmpty]
    public string[] ArgumentList { get; set; } = [];

    /// <summary>Seconds the command may run (the host's default is 600, its limit 3600).</summary>
    [Parameter]
    [Alias("TimeoutSec", "TimeoutSeconds")]
    [ValidateRange(1, EnvironmentCommand.MaxTimeoutSeconds)]
    public int Timeout { get; set; }

    protected override void ProcessRecord()
    {
        var client = Client;
        foreach (var id in TaskId)
        {
            TaskCommandResult result;
            try
            {
                var request = EnvironmentCommand.BuildRequest(ParameterSetName == CommandSet ? Command : null,
                    ParameterSetName == ArgumentsSet ? ArgumentList : null,
                    MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? Timeout : null);
                result = Await(ct => TaskCommand.InvokeAsync(client, id, request, ct));
            }
            catch (Exception e) when (e is RiverApiException or ArgumentException or FormatException or TimeoutException)
            {
                WriteRiverError(e, id, RiverObjectKind.Task);
                continue;
            }
            WriteObject(result);
            if (!result.Succeeded) WriteRiverError(new TaskCommandFailedException(result), result, RiverObjectKind.Task);
        }
    }
}
