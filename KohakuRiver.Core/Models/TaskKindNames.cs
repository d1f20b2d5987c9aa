namespace KohakuRiver.Core.Models;

/// <summary>The wire names of <see cref="TaskKind"/> (<c>command</c>, <c>vps</c>).</summary>
public static class TaskKindNames
{
    public const string Command = "command";
    public const string Vps = "vps";

    public static string ToWire(this TaskKind kind) => kind switch
    {
        TaskKind.Command => Command,
        TaskKind.Vps => Vps,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Reads a wire name exactly as the host writes it (lower case); anything else is not a task kind.</summary>
    public static bool TryParse(string? name, out TaskKind kind)
    {
        switch (name)
        {
            case Command: kind = TaskKind.Command; return true;
            case Vps: kind = TaskKind.Vps; return true;
            default: kind = default; return false;
        }
    }
}
