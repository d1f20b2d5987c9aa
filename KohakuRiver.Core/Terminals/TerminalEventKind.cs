namespace KohakuRiver.Core.Terminals;

/// <summary>What one <see cref="TerminalEvent"/> carries.</summary>
public enum TerminalEventKind
{
    /// <summary>Text the remote side wrote to its terminal.</summary>
    Output,

    /// <summary>One line for a human from the server (a refused message, a failure on its side); the session goes on.</summary>
    Error,

    /// <summary>The remote shell ended; <see cref="TerminalEvent.ExitCode"/> is its code (-1 when the server could not learn it).</summary>
    Exit,

    /// <summary>The socket closed (after an exit, or without one when the connection was lost).</summary>
    Closed,
}
