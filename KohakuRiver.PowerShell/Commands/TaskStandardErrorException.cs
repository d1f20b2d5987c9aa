using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Output;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>One line a task wrote to stderr, carried on PowerShell's error stream.</summary>
public sealed class TaskStandardErrorException(string line) : Exception(line);
