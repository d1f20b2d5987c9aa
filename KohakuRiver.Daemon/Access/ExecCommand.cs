using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Host.Submission;

namespace KohakuRiver.Daemon.Access;

/// <summary>
/// A one-shot command in a running container (an environment's, a task's): a shell line or an argument vector, within
/// the task limits, run without a terminal and cut off after its timeout (600 s by default, at most 3600 s). The output
/// kept is <see cref="RequestLimits.MaxExecOutputBytes"/> per stream.
/// </summary>
public sealed record ExecCommand(IReadOnlyList<string> Cmd, TimeSpan Timeout)
{
    public const double DefaultTimeoutSeconds = 600;
    public const double MaxTimeoutSeconds = 3600;

    /// <summary>The command a request asks for; every wrong field is a <see cref="HostErrorKind.Invalid"/>.</summary>
    public static ExecCommand From(EnvironmentExecRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        SubmissionValidator.CheckCommandLine(r.Command, r.Arguments);
        List<string> cmd = r.Arguments is { Count: > 0 } a ? a
            : !string.IsNullOrWhiteSpace(r.Command) ? ["/bin/sh", "-c", r.Command]
            : throw HostException.Invalid("give command (a shell command line) or arguments");
        if (string.IsNullOrEmpty(cmd[0])) throw HostException.Invalid("arguments[0], the program to run, is empty");
        if (r.TimeoutSeconds is { } asked && !(asked > 0 && asked <= MaxTimeoutSeconds))
            throw HostException.Invalid($"timeout_seconds must be more than 0 and at most {MaxTimeoutSeconds:0}, got {asked}");
        return new ExecCommand(cmd, TimeSpan.FromSeconds(r.TimeoutSeconds ?? DefaultTimeoutSeconds));
    }

    /// <summary>Runs the command in container <paramref name="containerId"/>. Past the timeout a
    /// <see cref="HostErrorKind.TimedOut"/> naming <paramref name="where"/> (e.g. "task 5"); engine failures pass as
    /// <see cref="EngineException"/>s for the caller to word.</summary>
    public async Task<EnvironmentExecResult> RunAsync(IContainerEngine engine, string containerId, string where, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(Timeout);
        try
        {
            var result = await engine.RunExecAsync(containerId, Cmd, cts.Token, RequestLimits.MaxExecOutputBytes).ConfigureAwait(false);
            return new EnvironmentExecResult { ExitCode = result.ExitCode, Stdout = result.Stdout, Stderr = result.Stderr };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw HostException.TimedOut($"the command in {where} did not finish within {Timeout.TotalSeconds:0} s");
        }
    }
}
