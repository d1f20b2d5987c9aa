using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Environments;

/// <summary>One-shot commands in an environment's host container.</summary>
public static class EnvironmentCommand
{
    /// <summary>The host's limit on one command (it answers 504 after it).</summary>
    public const int MaxTimeoutSeconds = 3600;

    /// <summary>
    /// The request for a shell command line (run with <c>/bin/sh -c</c>) or an argument vector (run as is): exactly one
    /// of them. <paramref name="timeoutSeconds"/> null leaves the host's default (600 s).
    /// </summary>
    public static EnvironmentExecRequest BuildRequest(string? command, IReadOnlyList<string>? arguments, int? timeoutSeconds)
    {
        var hasArguments = arguments is { Count: > 0 };
        if (hasArguments == !string.IsNullOrWhiteSpace(command))
            throw new ArgumentException(hasArguments
                ? "give either a command line or an argument list, not both"
                : "give a command line (-Command) or an argument list (-ArgumentList)");
        if (hasArguments && arguments!.Any(a => a is null))
            throw new ArgumentException("the argument list holds a null");
        if (timeoutSeconds is < 1 or > MaxTimeoutSeconds)
            throw new ArgumentOutOfRangeException(nameof(timeoutSeconds), timeoutSeconds, $"the timeout is 1 to {MaxTimeoutSeconds} seconds");
        return new EnvironmentExecRequest
        {
            Command = hasArguments ? null : command,
            Arguments = hasArguments ? [.. arguments!] : null,
            TimeoutSeconds = timeoutSeconds,
        };
    }

    /// <summary>
    /// Runs the command and returns its result whatever its exit code (the caller decides what a failure means). A
    /// command that outlives its timeout is a <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<EnvironmentCommandResult> InvokeAsync(RiverClient client, string environment, EnvironmentExecRequest request,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        EnvironmentNames.Validate(environment);
        var answer = await CallAsync(ct => client.InvokeEnvironmentCommandAsync(environment, request, ct), ct).ConfigureAwait(false);
        return new EnvironmentCommandResult
        {
            Environment = environment,
            CommandLine = CommandLineOf(request),
            ExitCode = answer.ExitCode,
            Stdout = answer.Stdout,
            Stderr = answer.Stderr,
        };
    }

    /// <summary>The command as given: the shell command line, or the arguments joined by spaces.</summary>
    public static string CommandLineOf(EnvironmentExecRequest request) =>
        request.Arguments is { } a ? string.Join(' ', a) : request.Command ?? "";

    /// <summary>
    /// One exec call (an environment's or a task's: the host answers both alike), with the host's 504 — the command
    /// outlived its timeout — as a <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<EnvironmentExecResult> CallAsync(Func<CancellationToken, Task<EnvironmentExecResult>> exec, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exec);
        try
        {
            return await exec(ct).ConfigureAwait(false);
        }
        catch (RiverApiException e) when (e.StatusCode == HttpStatusCode.GatewayTimeout)
        {
            throw new TimeoutException(e.Detail, e);
        }
    }
}
