namespace KohakuRiver.Core.Completion;

/// <summary>A completion ready for PowerShell: the text to insert (quoted when needed), the list text, the tip.</summary>
public sealed record CompletionItem(string CompletionText, string ListItemText, string ToolTip);
