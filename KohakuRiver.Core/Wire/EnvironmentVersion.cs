namespace KohakuRiver.Core.Wire;

/// <summary>One published tarball of an environment.</summary>
public sealed class EnvironmentVersion
{
    public long Timestamp { get; set; }
    public string Tarball { get; set; } = "";
    public long SizeBytes { get; set; }
}
