namespace KohakuRiver.Core.Models;

/// <summary>The wire names of <see cref="SshKeyMode"/> (<c>upload</c>, <c>generate</c>, <c>disabled</c>).</summary>
public static class SshKeyModeNames
{
    public const string Upload = "upload";
    public const string Generate = "generate";
    public const string Disabled = "disabled";

    public static string ToWire(this SshKeyMode mode) => mode switch
    {
        SshKeyMode.Upload => Upload,
        SshKeyMode.Generate => Generate,
        SshKeyMode.Disabled => Disabled,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>Reads a wire name exactly as written (lower case); anything else is not a key mode.</summary>
    public static bool TryParse(string? name, out SshKeyMode mode)
    {
        switch (name)
        {
            case Upload: mode = SshKeyMode.Upload; return true;
            case Generate: mode = SshKeyMode.Generate; return true;
            case Disabled: mode = SshKeyMode.Disabled; return true;
            default: mode = default; return false;
        }
    }

    public static string AllWireNames => $"{Upload}, {Generate}, {Disabled}";
}
