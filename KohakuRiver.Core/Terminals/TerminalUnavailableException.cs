namespace KohakuRiver.Core.Terminals;

/// <summary>An interactive session cannot start here: standard input is not a terminal, or the platform's terminal
/// cannot be put in raw mode.</summary>
public sealed class TerminalUnavailableException(string message) : Exception(message);
