namespace KohakuRiver.Core.Terminals;

/// <summary>How an interactive terminal session ended.</summary>
public enum TerminalEnding
{
    /// <summary>The remote shell exited (or its container stopped) and the server said with which code.</summary>
    Exited,

    /// <summary>The user pressed the detach key (Ctrl+]); the client closed the session, and the server hangs up the shell.</summary>
    Detached,

    /// <summary>The local input ended (end of file on stdin); the client closed the session.</summary>
    InputEnded,

    /// <summary>The connection closed or broke without an exit message.</summary>
    ConnectionLost,

    /// <summary>The caller cancelled (the pipeline was stopped).</summary>
    Stopped,
}
