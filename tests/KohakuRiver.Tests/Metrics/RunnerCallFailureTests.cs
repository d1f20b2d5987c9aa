using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Dispatch;
using KohakuRiver.Daemon.Host.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KohakuRiver.Tests.Metrics;

/// <summary>The host's calls to runners count their failures by operation, and by whether anything answered.</summary>
public sealed class RunnerCallFailureTests
{
    [Fact]
    public async Task A_runner_answering_an_error_counts_as_refused_and_one_not_answering_as_unreachable_by_operation()
    {
        // A "runner" that answers every call with a 503, on a loopback port of its own.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var runner = builder.Build();
        runner.MapPost("/{**path}", () => Results.Json(new ErrorResponse { Detail = "busy" }, RiverJsonContext.Default.ErrorResponse, statusCode: 503));
        await runner.StartAsync();
        var answering = runner.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var metrics = new HostMetrics(processMetrics: false);
        using var gateway = new RunnerGateway(new DaemonSettings { ClusterToken = "cluster-token" }, metrics);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var refused = await Assert.ThrowsAsync<RunnerCallException>(() => gateway.KillAsync(answering, 7, "kohakuriver-task-7", cts.Token));
        Assert.Equal(503, refused.StatusCode);
        await Assert.ThrowsAsync<RunnerCallException>(() => gateway.RestartVpsAsync(answering, 8, cts.Token));
        var unreachable = await Assert.ThrowsAsync<RunnerCallException>(() => gateway.PauseAsync($"http://127.0.0.1:{ClosedPort()}", 9, null, cts.Token));
        Assert.Null(unreachable.StatusCode);

        using var buffer = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(buffer, cts.Token);
        var m = new MetricsText(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        Assert.Equal(1, m.Value("kohakuriver_runner_call_failures_total{operation=\"kill\",reason=\"refused\"}"));
        Assert.Equal(1, m.Value("kohakuriver_runner_call_failures_total{operation=\"vps_restart\",reason=\"refused\"}"));
        Assert.Equal(1, m.Value("kohakuriver_runner_call_failures_total{operation=\"pause\",reason=\"unreachable\"}"));
        Assert.Equal(0, m.Value("kohakuriver_runner_call_failures_total{operation=\"kill\",reason=\"unreachable\"}"));
        Assert.Equal(0, m.Value("kohakuriver_runner_call_failures_total{operation=\"execute\",reason=\"refused\"}"));
        Assert.Equal(3, m.SeriesStartingWith("kohakuriver_runner_call_failures_total{").Sum(s => m.Value(s)));
    }

    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
