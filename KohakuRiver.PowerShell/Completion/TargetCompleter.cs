using KohakuRiver.Core.Completion;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Completes -Target: node names, then after <c>node::</c> the node's GPU ids (free ones first).</summary>
public sealed class TargetCompleter : RiverArgumentCompleter
{
    protected override IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word) => completer.CompleteTargets(word);
}
