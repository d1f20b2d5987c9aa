using KohakuRiver.Core.Completion;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Completes node names (-Target has its own, <see cref="TargetCompleter"/>, which adds GPU ids).</summary>
public sealed class NodeNameCompleter : RiverArgumentCompleter
{
    protected override IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word) => completer.CompleteNodeNames(word);
}
