using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Terminals;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// What Connect-RiverTask and Enter-RiverEnvironment share: an interactive session on the process's own terminal
/// (raw mode, Ctrl+] detaches, restored on every way out: see <see cref="InteractiveTerminal"/>), then
/// <c>$LASTEXITCODE</c> set to the remote shell's exit code, or -1 when there is none (detached, connection lost,
/// stopped). A session that never opened (refused, no terminal) writes its error and leaves $LASTEXITCODE alone.
/// </summary>
public abstract class TerminalCommand : RiverClientCmdlet
{
    /// <summary>A shell command line run with /bin/sh -c instead of the default shell (bash when the image has it, else sh).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Command { get; set; }

    /// <summary>Writes the session's result (how it ended, the exit code) when it is over.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected void RunSession(Func<RiverClient, TerminalSize?, CancellationToken, Task<TerminalConnection>> open, object target, RiverObjectKind kind)
    {
        TerminalSessionResult result;
        try
        {
            var client = Client;
            var console = PosixTerminalConsole.Open();
            WriteVerbose($"detach with {InteractiveTerminal.DetachKeyName}");
            result = Await(ct => InteractiveTerminal.ConnectAndRunAsync((size, c) => open(client, size, c), console, ct));
        }
        catch (Exception e) when (e is RiverApiException or TerminalUnavailableException or FormatException or ArgumentException or IOException)
        {
            WriteRiverError(e, target, kind);
            return;
        }
        // As after a native command, so scripts can test it.
        SessionState.PSVariable.Set("global:LASTEXITCODE", result.LastExitCode);
        if (result.Ending == TerminalEnding.Stopped) throw new PipelineStoppedException();
        WriteVerbose(result.Ending switch
        {
            TerminalEnding.Exited => $"the remote shell exited with {result.LastExitCode}",
            TerminalEnding.Detached => "detached; the remote shell was hung up",
            TerminalEnding.InputEnded => "the input ended; the session was closed",
            _ => $"the session ended: {result.Reason}",
        });
        if (result.Ending == TerminalEnding.ConnectionLost)
            WriteRiverError(new TerminalConnectionLostException(result.Reason ?? "the terminal connection was lost"), target, kind);
        if (PassThru) WriteObject(result);
    }
}
