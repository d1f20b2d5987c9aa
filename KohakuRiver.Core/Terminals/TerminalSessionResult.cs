namespace KohakuRiver.Core.Terminals;

/// <summary>What an interactive terminal session came to.</summary>
public sealed class TerminalSessionResult
{
    /// <summary>The exit code <see cref="LastExitCode"/> reports when the remote side gave none: after a detach, a lost
    /// connection, or a stop. It is also what the server sends when a container stopped with an unknown code.</summary>
    public const int NoExitCode = -1;

    public TerminalEnding Ending { get; init; }

    /// <summary>The remote shell's exit code from the server's exit message; null when none came.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Why the connection ended, when it was lost (the close reason or the socket's error).</summary>
    public string? Reason { get; init; }

    /// <summary>The error lines the server sent during the session (they were also shown on the terminal).</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>What <c>$LASTEXITCODE</c> becomes: the remote exit code, else <see cref="NoExitCode"/>.</summary>
    public int LastExitCode => ExitCode ?? NoExitCode;
}
