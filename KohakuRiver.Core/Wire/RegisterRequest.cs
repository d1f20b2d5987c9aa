namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/register (runner → host).</summary>
public sealed class RegisterRequest
{
    public string Hostname { get; set; } = "";
    public string Url { get; set; } = "";
    public int TotalCores { get; set; }
    public long TotalRamBytes { get; set; }
    public Dictionary<string, NumaNodeInfo>? NumaTopology { get; set; }
    public List<GpuInfo>? GpuInfo { get; set; }
    public string? RunnerVersion { get; set; }
}
