using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Terminals;

/// <summary>A terminal window's size in character cells.</summary>
public readonly record struct TerminalSize(int Rows, int Cols)
{
    /// <summary>Both sides within what the servers accept (1 to <see cref="TerminalMessage.MaxWindowSide"/>).</summary>
    public bool IsValid => Rows is >= 1 and <= TerminalMessage.MaxWindowSide && Cols is >= 1 and <= TerminalMessage.MaxWindowSide;

    public override string ToString() => $"{Rows}x{Cols}";
}
