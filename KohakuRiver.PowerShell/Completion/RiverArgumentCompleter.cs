using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KohakuRiver.Core.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Completion;

/// <summary>Shared shape of the completers: ask Core (short deadline, never throws), wrap as CompletionResults.</summary>
public abstract class RiverArgumentCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<CompletionItem> items;
        try
        {
            items = Complete(RiverSession.Completer, wordToComplete);
        }
        catch (Exception)
        {
            // Completion must never surface an error at the prompt.
            items = [];
        }
        return items.Select(i => new CompletionResult(i.CompletionText, i.ListItemText, CompletionResultType.ParameterValue, i.ToolTip)).ToList();
    }

    protected abstract IReadOnlyList<CompletionItem> Complete(RiverCompleter completer, string word);
}
