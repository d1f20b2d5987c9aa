namespace KohakuRiver.Daemon.Engine;

/// <summary>GPU requests, e.g. Driver "nvidia", Count -1 (all) or DeviceIDs, Capabilities [["gpu"]].</summary>
public sealed class DeviceRequestSpec
{
    public string? Driver { get; set; }
    public int? Count { get; set; }
    public List<string>? DeviceIDs { get; set; }
    public List<List<string>>? Capabilities { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}
