using System.Collections.Concurrent;
using System.Text.Json;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KohakuRiver.Tests.Core;

/// <summary>
/// The product's real host, in process on a free port over temporary directories, with one registered node whose
/// "runner" is a stub that accepts every call and records which tasks it was given. The test then plays the runner:
/// it writes the task's log files where the host reads them and reports status through the runner-facing API.
/// No Docker needed: this checks the client side (Core's sweep, wait and output paths) against the real wire contract.
/// </summary>
public sealed class RealHost : IAsyncDisposable
{
    private readonly WebApplication _host;
    private readonly WebApplication _runner;
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _executed = new();

    private RealHost(string root, DaemonSettings settings, WebApplication host, WebApplication runner)
    {
        Root = root;
        Settings = settings;
        _host = host;
        _runner = runner;
    }

    public string Root { get; }
    public DaemonSettings Settings { get; }
    public Uri Uri { get; private set; } = null!;

    /// <summary>The API token (always set here).</summary>
    public string Token => Settings.ApiToken!;
    public RiverClient Client { get; private set; } = null!;
    public RiverClient RunnerSide { get; private set; } = null!;
    public string NodeName { get; } = "stub-" + Guid.NewGuid().ToString("N")[..6];

    public static async Task<RealHost> StartAsync(int cores = 64)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var root = Path.Combine(Path.GetTempPath(), "kohakuriver-ps-tests", id);
        var settings = new DaemonSettings
        {
            HostPort = 0,
            // Any free port: a fixed one (8002) collides with another test run on the same machine.
            SshProxyPort = 0,
            HostBindAddress = "127.0.0.1",
            HostAddress = "127.0.0.1",
            DataDir = Path.Combine(root, "data"),
            SharedDir = Path.Combine(root, "shared"),
            LocalTempDir = Path.Combine(root, "local"),
            ApiToken = "api-" + id,
            ClusterToken = "cluster-" + id,
            // No heartbeats come from the stub: keep its node online for the length of a test.
            HeartbeatIntervalSeconds = 600,
            LogLevel = "Warning",
        };

        var runnerBuilder = WebApplication.CreateSlimBuilder();
        runnerBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        runnerBuilder.Logging.ClearProviders();
        var runner = runnerBuilder.Build();
        var harness = new RealHost(root, settings, HostServer.Build(settings), runner);
        runner.MapPost("/api/{action}", async (string action, HttpRequest req) =>
        {
            using var doc = await JsonDocument.ParseAsync(req.Body);
            if (action == "execute" && doc.RootElement.TryGetProperty("task_id", out var tid))
                harness._executed.GetOrAdd(long.Parse(tid.ToString()), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Results.Text("{\"message\":\"ok\"}", "application/json");
        });
        await runner.StartAsync();
        await harness._host.StartAsync();

        harness.Uri = new Uri($"http://127.0.0.1:{Port(harness._host)}/");
        harness.Client = new RiverClient(harness.Uri, settings.ApiToken);
        harness.RunnerSide = new RiverClient(harness.Uri, settings.ClusterToken);
        await harness.RunnerSide.RegisterAsync(new RegisterRequest
        {
            Hostname = harness.NodeName,
            Url = $"http://127.0.0.1:{Port(runner)}",
            TotalCores = cores,
            TotalRamBytes = 256L << 30,
        });
        return harness;
    }

    /// <summary>Completes when the host has handed the task to the node (it is then assigning).</summary>
    public Task Dispatched(long taskId) =>
        _executed.GetOrAdd(taskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(30));

    public void Append(long taskId, TaskOutputStream stream, string text) =>
        File.AppendAllText(Path.Combine(Settings.LogsDir, $"{taskId}.{(stream == TaskOutputStream.Stdout ? "out" : "err")}"), text);

    public async Task ReportAsync(long taskId, RiverTaskStatus status, int? exitCode = null)
    {
        var answer = await RunnerSide.UpdateTaskAsync(new TaskUpdateRequest
        {
            TaskId = taskId,
            Status = status.ToWire(),
            ExitCode = exitCode,
            StartedAt = status == RiverTaskStatus.Running ? DateTimeOffset.UtcNow : null,
            CompletedAt = status.IsFinal() ? DateTimeOffset.UtcNow : null,
        });
        if (answer.Message != "updated") throw new InvalidOperationException($"the host did not take {status} for task {taskId}: {answer.Message}");
    }

    /// <summary>Dispatched, running, then finished with the exit code.</summary>
    public async Task RunToEndAsync(long taskId, int exitCode = 0)
    {
        await Dispatched(taskId);
        await ReportAsync(taskId, RiverTaskStatus.Running);
        await ReportAsync(taskId, exitCode == 0 ? RiverTaskStatus.Completed : RiverTaskStatus.Failed, exitCode);
    }

    private static int Port(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        RunnerSide.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
        await _runner.StopAsync();
        await _runner.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
