using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Runs one command in an environment's host container (to install software before publishing) and writes its result:
/// ExitCode, Stdout and Stderr. A non-zero exit also writes the error RiverEnvironmentCommandFailed after the result,
/// as PowerShell does for native commands, so <c>-ErrorAction Stop</c> stops a build script at the first failing step
/// and the output is there either way.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "RiverEnvironmentCommand", DefaultParameterSetName = CommandSet)]
[OutputType(typeof(EnvironmentCommandResult))]
public sealed class InvokeRiverEnvironmentCommandCommand : RiverClientCmdlet
{
    private const string CommandSet = "Command";
    private const string ArgumentsSet = "ArgumentList";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string Environment { get; set; } = "";

    /// <summary>A shell command line, run with /bin/sh -c.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = "";

    /// <summary>A program and its arguments, run as they are (no shell).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ArgumentsSet)]
    [Alias("Args")]
    [ValidateNotNullOrEmpty]
    public string[] ArgumentList { get; set; } = [];

    /// <summary>Seconds the command may run (the host's default is 600, its limit 3600).</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(1, EnvironmentCommand.MaxTimeoutSeconds)]
    public int Timeout { get; set; }

    protected override void ProcessRecord()
    {
        var client = Client;
        EnvironmentCommandResult result;
        try
        {
            var request = EnvironmentCommand.BuildRequest(ParameterSetName == CommandSet ? Command : null,
                ParameterSetName == ArgumentsSet ? ArgumentList : null,
                MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? Timeout : null);
            result = Await(ct => EnvironmentCommand.InvokeAsync(client, Environment, request, ct));
        }
        catch (Exception e) when (e is RiverApiException or ArgumentException or FormatException or TimeoutException)
        {
            WriteRiverError(e, Environment, RiverObjectKind.Environment);
            return;
        }
        WriteObject(result);
        if (!result.Succeeded) WriteRiverError(new EnvironmentCommandFailedException(result), result, RiverObjectKind.Environment);
    }
}
