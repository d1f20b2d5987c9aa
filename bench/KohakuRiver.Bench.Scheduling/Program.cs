using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using KohakuRiver.Bench.Scheduling;
using KohakuRiver.Bench.Shared;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

// Scheduling benchmark: 100 simulated nodes of mixed shapes (cores, memory, NUMA nodes, GPUs) and 10,000 queued tasks
// of mixed sizes, some pinned to a node, a NUMA node or GPUs. Measures, in one run:
//   (a) a placement decision: with the nodes full and the queue deep, one running task finishes (its report applied)
//       and the host decides what runs in its place (TakeDispatches on the host's own state and SQLite store, in this
//       process, no network: the walk of the queue, the ranking of nodes and the placed task's write are timed);
//       p50/p99 over many decisions (target p99 < 1 ms);
//   (b) draining the queue: every running task finishes, the host places what now fits, until nothing is queued;
//   (c) a real host process's RSS with the 100 nodes registered and 10,000 tasks queued (target < 100 MB).
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Scheduling [-- --nodes 100 --tasks 10000 --decisions 2000 --rss-only]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var nodes = IntArg("--nodes", 100);
var tasks = IntArg("--tasks", 10_000);
var decisions = IntArg("--decisions", 2000);
Console.WriteLine("KohakuRiver scheduling benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {nodes} simulated nodes, {tasks:N0} tasks, {decisions:N0} decisions");
var shapes = SimulatedCluster.Nodes(nodes, "http://127.0.0.1:9/unused");
Console.WriteLine($"nodes  : {shapes.Sum(n => n.TotalCores):N0} cores, {shapes.Sum(n => n.TotalRamBytes) / (1L << 30):N0} GiB, " +
                  $"{shapes.Count(n => n.NumaTopology is { Count: > 1 })} with several NUMA nodes, {shapes.Count(n => n.GpuInfo is { Count: > 0 })} with GPUs");
Console.WriteLine();

if (!args.Contains("--rss-only"))
{
    using var state = InProcessHost.Start(shapes);
    var workload = SimulatedCluster.Tasks(tasks, shapes);
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var accepted = state.Submit(workload);
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"    the host's live managed memory for {accepted:N0} queued tasks: {(after - before) / 1048576.0:0.0} MB ({(after - before) / (double)accepted:0} bytes each)");
    var placed = state.DispatchAll();
    Console.WriteLine($"(a) placement decisions with {state.Queued:N0} queued behind {placed:N0} placed (full nodes)");
    var reports = new List<double>(decisions);
    var samples = new List<double>(decisions);
    var random = new Random(3);
    var empty = 0;
    for (var i = 0; i < decisions && state.Queued > 0; i++)
    {
        var (report, decision, started) = state.FinishAndDispatch(state.RunningTaskAt(random.Next(state.Running)));
        reports.Add(report);
        samples.Add(decision);
        if (started == 0) empty++;
    }
    var p99 = Percentile(samples, 0.99);
    Console.WriteLine($"    placement decision (queue walk, ranking, the placed task stored): median {Percentile(samples, 0.5):0.000} ms  p99 {p99:0.000} ms  " +
                      $"max {samples.Max():0.000} ms  ({samples.Count} decisions, {empty} placed nothing)  (target p99 < 1 ms)  {(p99 < 1 ? "OK" : "MISSED")}");
    Console.WriteLine($"    the finishing task's report before it (applied and stored): median {Percentile(reports, 0.5):0.000} ms  p99 {Percentile(reports, 0.99):0.000} ms");
    Console.WriteLine($"    ({accepted:N0} tasks accepted in {state.SubmitMilliseconds:0} ms)");

    Console.WriteLine($"(b) drain: {state.Queued:N0} queued, {state.Running:N0} running; all running finish, the host places what fits, repeated");
    var drain = Stopwatch.StartNew();
    var rounds = 0;
    while (state.Queued > 0)
    {
        state.FinishAllAndDispatch();
        rounds++;
    }
    drain.Stop();
    Console.WriteLine($"    queue empty after {rounds} rounds in {drain.Elapsed.TotalMilliseconds:0} ms " +
                      $"({drain.Elapsed.TotalMilliseconds * 1000 / Math.Max(1, state.DispatchedDuringDrain):0} µs per task placed, status writes included)");
}
Console.WriteLine();

await using (var host = await BenchHost.StartAsync(BenchHost.DefaultDaemon))
{
    using var runner = new StubServer(_ => (200, """{"message":"ok"}""", null));
    using var runnerSide = new RiverClient(host.Uri, "bench-cluster");
    using var client = new RiverClient(host.Uri, host.Token, timeout: TimeSpan.FromMinutes(2));
    var registered = SimulatedCluster.Nodes(nodes, runner.Uri.ToString().TrimEnd('/'));
    foreach (var node in registered) await runnerSide.RegisterAsync(node);
    // Fill every node with one task of its size, then queue the workload behind them.
    await client.SubmitBatchAsync(new BatchSubmitRequest
    {
        Tasks = registered.Select(n => new SubmitRequest { Command = "true", RequiredCores = n.TotalCores, RequiredMemoryBytes = n.TotalRamBytes, Targets = [n.Hostname] })
            .Append(new SubmitRequest { Command = "true", RequiredCores = 1, Targets = [BenchHost.NodeName] }).ToList(),
    });
    var submit = Stopwatch.StartNew();
    await client.SubmitBatchAsync(new BatchSubmitRequest { Tasks = SimulatedCluster.Tasks(tasks, registered) });
    submit.Stop();
    var deadline = DateTime.UtcNow.AddSeconds(60);
    ClusterHealth health;
    while ((health = await client.GetHealthAsync()).PendingTasks < tasks && DateTime.UtcNow < deadline) await Task.Delay(100);
    var rss = RssMiB(host.Process.Id);
    Console.WriteLine($"(c) host process with {registered.Count + 1} nodes, {health.PendingTasks:N0} queued and {health.RunningTasks:N0} placed " +
                      $"(the batch accepted in {submit.Elapsed.TotalMilliseconds:0} ms)");
    Console.WriteLine($"    host RSS: {rss:0.0} MB ({RssBreakdown(host.Process.Id)})  (target < 100 MB)  {(rss < 100 ? "OK" : "MISSED")}");
}
return 0;

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
