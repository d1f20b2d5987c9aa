using KohakuRiver.Core.Completion;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Completes node names (also good for -Target, whose simplest form is a node name).</summary>
public sealed class NodeNameCompleter : RiverArgumentCompleter
{
    protected override IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word) => completer.CompleteNodeNames(word);
}
