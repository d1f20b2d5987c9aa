using KohakuRiver.Core.Completion;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Completes the task ids of active VPSs.</summary>
public sealed class VpsTaskIdCompleter : RiverArgumentCompleter
{
    protected override IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word) => completer.CompleteVpsTaskIds(word);
}
