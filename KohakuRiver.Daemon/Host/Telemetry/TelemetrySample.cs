namespace KohakuRiver.Daemon.Host.Telemetry;

/// <summary>
/// One heartbeat's figures as <see cref="NodeHistoryBuffer"/> keeps them: a 40-byte struct in the node's ring, with
/// NaN or -1 standing for "not reported", and the GPUs as <see cref="GpuCount"/> rows of the buffer's GPU table.
/// </summary>
internal struct TelemetrySample
{
    /// <summary>UTC ticks of the host's clock when the heartbeat was taken in.</summary>
    public long UtcTicks;
    /// <summary>-1 when not reported.</summary>
    public long MemoryUsedBytes;
    /// <summary>NaN when not reported (as are the other floats).</summary>
    public float CpuPercent;
    public float MemoryPercent;
    public float AvgTemp;
    public float MaxTemp;
    /// <summary>-1 when the heartbeat carried no gpu_info at all; otherwise how many GPU rows this sample has.</summary>
    public short GpuCount;
}
