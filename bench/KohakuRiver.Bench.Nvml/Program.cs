using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using KohakuRiver.Daemon.Runner.Resources.Gpu;
using Microsoft.Extensions.Logging.Abstractions;

// NVML benchmark (issue 11, item 6). Compiles the NVML stand-in (tests/native/fake_nvml.c) with gcc, configures it for
// 8 GPUs and times NvmlGpuReader.Sample(), the call the runner's heartbeat makes: 8 NVML calls per GPU through the
// runner's function pointers, and the GpuInfo list built from them. The stand-in answers at once, so this measures our
// per-sample overhead (the calls through function pointers, marshalling, the lock, allocation), not a driver's: on a real machine each NVML
// call costs what the driver takes, which this cannot show. Target: p99 < 2 ms.
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Nvml [-- --gpus 8 --samples 2000 --warmup 500]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var gpus = IntArg("--gpus", 8);
var samples = IntArg("--samples", 2000);
var warmup = IntArg("--warmup", 500);
Console.WriteLine("KohakuRiver NVML benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {gpus} stand-in GPUs, {samples:N0} samples after {warmup:N0} warm-up");

var dir = Path.Combine(Path.GetTempPath(), "kohakuriver-bench-nvml-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dir);
try
{
    var source = Path.Combine(RepoRoot(), "tests", "native", "fake_nvml.c");
    var library = Path.Combine(dir, "libnvidia-ml.so.1");
    using (var gcc = Process.Start(new ProcessStartInfo("gcc", ["-shared", "-fPIC", "-O2", "-o", library, source]) { RedirectStandardError = true })!)
    {
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            Console.Error.WriteLine($"gcc could not build the stand-in from {source}: {errors}");
            return 1;
        }
    }
    File.WriteAllText(Path.Combine(dir, "fake_nvml.conf"), $"count={gpus}\n");

    using var reader = new NvmlGpuReader(library, "/sys", NullLogger<NvmlGpuReader>.Instance);
    var first = Stopwatch.StartNew();
    var found = reader.Sample();
    first.Stop();
    if (found.Count != gpus)
    {
        Console.Error.WriteLine($"the reader found {found.Count} GPUs, expected {gpus}: {reader.UnavailableReason}");
        return 1;
    }
    Console.WriteLine($"first sample (loads the library, nvmlInit_v2, handles, names, bus ids, NUMA nodes): {first.Elapsed.TotalMilliseconds:0.000} ms");

    for (var i = 0; i < warmup; i++) reader.Sample();
    var times = new List<double>(samples);
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    for (var i = 0; i < samples; i++)
    {
        var t = Stopwatch.GetTimestamp();
        var list = reader.Sample();
        times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        if (list.Count != gpus) throw new InvalidOperationException($"sample {i} found {list.Count} GPUs");
    }
    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
    var p99 = Percentile(times, 0.99);
    Console.WriteLine($"one full sample of {gpus} GPUs ({gpus * 8} NVML calls): median {Percentile(times, 0.5):0.0000} ms  p99 {p99:0.0000} ms  " +
                      $"max {times.Max():0.0000} ms  ({allocated / (double)samples:0} bytes allocated per sample)  (target p99 < 2 ms)  {(p99 < 2 ? "OK" : "MISSED")}");
    Console.WriteLine("note: the stand-in answers instantly; this is the runner's own overhead, not a driver's.");
    return 0;
}
finally
{
    try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
}

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
