namespace KohakuRiver.Core.Completion;

/// <summary>A value offered for tab completion.</summary>
public sealed record CompletionCandidate(string Value, string ListItemText, string ToolTip);
