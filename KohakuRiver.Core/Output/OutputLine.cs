using KohakuRiver.Core.Client;

namespace KohakuRiver.Core.Output;

/// <summary>One line of a task's output.</summary>
public sealed record OutputLine(long TaskId, TaskOutputStream Stream, string Text)
{
    public override string ToString() => Text;
}
