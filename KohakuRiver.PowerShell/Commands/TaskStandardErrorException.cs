namespace KohakuRiver.PowerShell.Commands;

/// <summary>One line a task wrote to stderr, carried on PowerShell's error stream.</summary>
public sealed class TaskStandardErrorException(string line) : Exception(line);
