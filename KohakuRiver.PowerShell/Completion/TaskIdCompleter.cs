using KohakuRiver.Core.Completion;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Completes task ids from the host's newest tasks.</summary>
public sealed class TaskIdCompleter : RiverArgumentCompleter
{
    protected override IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word) => completer.CompleteTaskIds(word);
}
