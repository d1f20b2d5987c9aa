using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.Telemetry;

/// <summary>
/// The last <see cref="Capacity"/> heartbeats of one node, oldest dropped first. Samples are structs in a ring
/// (<see cref="TelemetrySample"/>, 40 bytes) and GPUs rows of one flat table beside it (<see cref="GpuReading"/>,
/// 16 bytes, a fixed number of rows per slot), so a full hour of a 4-GPU node is two arrays, not thousands of objects.
/// Both grow as samples come, up to the capacity, so a node that just joined costs little. Not thread-safe:
/// <see cref="TelemetryHistory"/> locks around it.
/// </summary>
internal sealed class NodeHistoryBuffer
{
    private const int InitialSlots = 64;

    private TelemetrySample[] _samples;
    private GpuReading[] _gpus = [];
    /// <summary>GPU rows per slot: the most GPUs any sample here has had.</summary>
    private int _stride;
    /// <summary>The slot of the oldest sample.</summary>
    private int _start;

    public NodeHistoryBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _samples = new TelemetrySample[Math.Min(capacity, InitialSlots)];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public void Add(DateTimeOffset at, HeartbeatRequest h)
    {
        var gpus = h.GpuInfo;
        var gpuCount = gpus is null ? 0 : Math.Min(gpus.Count, short.MaxValue);
        if (Count == _samples.Length && _samples.Length < Capacity) Grow(Math.Min(Capacity, _samples.Length * 2), _stride);
        if (gpuCount > _stride) Grow(_samples.Length, gpuCount);

        int slot;
        if (Count < _samples.Length)
        {
            // Until the ring is full the oldest sample is in slot 0 (growing only happens then).
            slot = Count++;
        }
        else
        {
            slot = _start;
            _start = (_start + 1) % _samples.Length;
        }

        _samples[slot] = new TelemetrySample
        {
            UtcTicks = at.UtcTicks,
            CpuPercent = Float(h.CpuPercent),
            MemoryPercent = Float(h.MemoryPercent),
            MemoryUsedBytes = h.MemoryUsedBytes ?? -1,
            AvgTemp = Float(h.CurrentAvgTemp),
            MaxTemp = Float(h.CurrentMaxTemp),
            GpuCount = gpus is null ? (short)-1 : (short)gpuCount,
        };
        for (var i = 0; i < gpuCount; i++)
        {
            var g = gpus![i];
            _gpus[slot * _stride + i] = new GpuReading
            {
                GpuId = g.GpuId,
                Utilization = Small(g.GpuUtilization),
                Temperature = Small(g.Temperature),
                MemoryUsedMib = Int(g.MemoryUsedMib),
                MemoryTotalMib = Int(g.MemoryTotalMib),
            };
        }
    }

    /// <summary>The samples taken at or after <paramref name="since"/>, oldest first, of which the newest
    /// <paramref name="last"/> when given.</summary>
    public List<NodeSample> Read(DateTimeOffset? since, int? last)
    {
        var sinceTicks = since?.UtcTicks ?? long.MinValue;
        var kept = new List<int>(Count);
        for (var i = 0; i < Count; i++)
        {
            var slot = (_start + i) % _samples.Length;
            if (_samples[slot].UtcTicks >= sinceTicks) kept.Add(slot);
        }
        var skip = last is { } n && n < kept.Count ? kept.Count - n : 0;
        var result = new List<NodeSample>(kept.Count - skip);
        for (var i = skip; i < kept.Count; i++) result.Add(ToWire(kept[i]));
        return result;
    }

    private NodeSample ToWire(int slot)
    {
        ref readonly var s = ref _samples[slot];
        List<GpuSample>? gpus = null;
        if (s.GpuCount >= 0)
        {
            gpus = new List<GpuSample>(s.GpuCount);
            for (var i = 0; i < s.GpuCount; i++)
            {
                ref readonly var g = ref _gpus[slot * _stride + i];
                gpus.Add(new GpuSample
                {
                    GpuId = g.GpuId,
                    GpuUtilization = g.Utilization,
                    Temperature = g.Temperature,
                    MemoryUsedMib = g.MemoryUsedMib,
                    MemoryTotalMib = g.MemoryTotalMib,
                });
            }
        }
        return new NodeSample
        {
            Timestamp = new DateTimeOffset(s.UtcTicks, TimeSpan.Zero),
            CpuPercent = Double(s.CpuPercent),
            MemoryPercent = Double(s.MemoryPercent),
            MemoryUsedBytes = s.MemoryUsedBytes < 0 ? null : s.MemoryUsedBytes,
            CurrentAvgTemp = Double(s.AvgTemp),
            CurrentMaxTemp = Double(s.MaxTemp),
            Gpus = gpus,
        };
    }

    /// <summary>New arrays of <paramref name="slots"/> slots with <paramref name="stride"/> GPU rows each, the samples
    /// kept in their slots (called only while the ring has not wrapped, or with the same slot count).</summary>
    private void Grow(int slots, int stride)
    {
        if (slots != _samples.Length) Array.Resize(ref _samples, slots);
        var gpus = new GpuReading[slots * stride];
        if (_stride > 0)
            for (var slot = 0; slot < Count; slot++)
                Array.Copy(_gpus, slot * _stride, gpus, slot * stride, _stride);
        _gpus = gpus;
        _stride = stride;
    }

    private static float Float(double? value) => value is { } v ? (float)v : float.NaN;

    private static double? Double(float value) => float.IsNaN(value) ? null : Math.Round(value, 2);

    private static short Small(int value) => (short)Math.Clamp(value, GpuInfo.Unavailable, short.MaxValue);

    private static int Int(long value) => (int)Math.Clamp(value, GpuInfo.Unavailable, int.MaxValue);
}
