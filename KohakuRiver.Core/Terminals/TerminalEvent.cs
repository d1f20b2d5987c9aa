namespace KohakuRiver.Core.Terminals;

/// <summary>One thing received on a terminal session: output or error text, the shell's exit code, or the close.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Text">Output or error text; for <see cref="TerminalEventKind.Closed"/>, why the socket closed (null for a
/// normal close).</param>
/// <param name="ExitCode">For <see cref="TerminalEventKind.Exit"/>: the shell's exit code.</param>
public sealed record TerminalEvent(TerminalEventKind Kind, string? Text = null, int? ExitCode = null);
