namespace KohakuRiver.Core.Terminals;

/// <summary>A terminal session ended without the remote shell's exit code: the connection broke or the server closed
/// it. <c>$LASTEXITCODE</c> is then <see cref="TerminalSessionResult.NoExitCode"/>.</summary>
public sealed class TerminalConnectionLostException(string message) : Exception(message);
