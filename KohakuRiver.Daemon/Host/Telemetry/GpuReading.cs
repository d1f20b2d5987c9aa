namespace KohakuRiver.Daemon.Host.Telemetry;

/// <summary>One GPU in one stored sample (16 bytes): the figures a chart needs, -1 where the runner had none.</summary>
internal struct GpuReading
{
    public int GpuId;
    public int MemoryUsedMib;
    public int MemoryTotalMib;
    public short Utilization;
    public short Temperature;
}
