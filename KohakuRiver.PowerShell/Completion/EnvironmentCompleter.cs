using KohakuRiver.Core.Completion;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Completes environment names: published ones and those with a host container.</summary>
public sealed class EnvironmentCompleter : RiverArgumentCompleter
{
    protected override IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word) => completer.CompleteEnvironments(word);
}
