namespace KohakuRiver.Core.Models;

/// <summary>What a task is: a command that runs to its end, or a long-lived VPS container. On the wire it is the
/// <c>task_type</c> string (see <see cref="TaskKindNames"/>).</summary>
public enum TaskKind
{
    Command,
    Vps,
}
