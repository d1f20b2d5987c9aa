namespace KohakuRiver.Core.Wire;

public sealed class GpuInfo
{
    public int GpuId { get; set; }
    public string Name { get; set; } = "";
    public long MemoryTotalBytes { get; set; }
    public long MemoryUsedBytes { get; set; }
    public double? UtilizationPercent { get; set; }
    public double? TemperatureC { get; set; }
}
