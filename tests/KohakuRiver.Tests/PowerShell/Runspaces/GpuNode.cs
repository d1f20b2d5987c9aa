using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Core;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// A second node registered on a test's host, with fake GPUs, as a runner with NVML would register it. It
/// shares the stub runner's address (so a dispatch to it succeeds too) and has far more cores than the stub node, so
/// best-fit placement keeps untargeted tasks on the stub node.
/// </summary>
public static class GpuNode
{
    public static GpuInfo Gpu(int id, long freeMib, int utilization = 10, int temperature = 55) => new()
    {
        GpuId = id,
        Name = "Fake GPU 24GB",
        DriverVersion = "550.54",
        PciBusId = $"00000000:{id + 1:X2}:00.0",
        GpuUtilization = utilization,
        MemUtilization = 5,
        MemoryTotalMib = 24576,
        MemoryUsedMib = 24576 - freeMib,
        MemoryFreeMib = freeMib,
        Temperature = temperature,
        FanSpeed = -1,
        PowerUsageMw = 125_500,
        PowerLimitMw = 300_000,
        NumaNode = 0,
    };

    /// <summary>Registers a node named gpu-… with <paramref name="gpus"/>; returns its name.</summary>
    public static async Task<string> RegisterAsync(RealHost host, params GpuInfo[] gpus)
    {
        var stub = (await host.Client.GetNodesAsync()).Single(n => n.NodeName == host.NodeName);
        var name = "gpu-" + Guid.NewGuid().ToString("N")[..6];
        await host.RunnerSide.RegisterAsync(new RegisterRequest
        {
            Hostname = name,
            Url = stub.Url,
            TotalCores = 4096,
            TotalRamBytes = 4L << 40,
            GpuInfo = [.. gpus],
        });
        return name;
    }
}
