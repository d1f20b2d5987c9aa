using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Metrics;

/// <summary>
/// A real Prometheus server (Debian's package, installed by .ci/setup) as a child process on a free loopback port,
/// over a temporary folder, scraping the targets its config names every second. Killed with its folder on dispose.
/// Without the binary, tests calling <see cref="RequireBinary"/> are skipped with the reason, except with
/// <c>KOHAKURIVER_REQUIRE_DOCKER=1</c> (CI), where a missing Prometheus fails them.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(string root, int port, Process process)
    {
        Root = root;
        Uri = new Uri($"http://127.0.0.1:{port}/");
        _process = process;
    }

    public string Root { get; }
    public Uri Uri { get; }

    /// <summary>What Prometheus logged so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    public static void RequireBinary()
    {
        if (File.Exists(Binary)) return;
        var reason = $"Prometheus is not installed at {Binary} (run .ci/setup: apt-get install prometheus).";
        if (Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
            Assert.Fail($"{DockerFixture.RequireEnvironmentVariable}=1 but: {reason}");
        Assert.Skip(reason);
    }

    /// <summary>Starts Prometheus with one scrape job per entry (job name → target host:port and the file holding
    /// its bearer token), a 1 s scrape interval, and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, (string Target, string TokenFile)> jobs)
    {
        var root = Directory.CreateTempSubdirectory("kohakuriver-prometheus-").FullName;
        var config = new StringBuilder("""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:

            """);
        foreach (var (job, (target, tokenFile)) in jobs)
            config.Append(CultureInfo.InvariantCulture, $"""
                  - job_name: {job}
                    metrics_path: /metrics
                    authorization:
                      type: Bearer
                      credentials_file: {tokenFile}
                    static_configs:
                      - targets: ['{target}']

                """);
        var configFile = Path.Combine(root, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, config.ToString());
        var port = FreePort();
        var psi = new ProcessStartInfo(Binary)
        {
            ArgumentList =
            {
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + Path.Combine(root, "data"),
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        var server = new PrometheusServer(root, port, Process.Start(psi)!);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                if (server._process.HasExited) throw new InvalidOperationException($"prometheus exited with {server._process.ExitCode}: {server.Log}");
                try
                {
                    using var ready = await server._http.GetAsync(new Uri(server.Uri, "/-/ready"));
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), "prometheus ready");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>An instant query: each result's labels and value.</summary>
    public async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        var url = new Uri(Uri, "/api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(url));
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        var results = new List<(Dictionary<string, string>, double)>();
        foreach (var r in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var value = double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            results.Add((labels, value));
        }
        return results;
    }

    /// <summary>The value of a query with exactly one result, or null while it has none.</summary>
    public async Task<double?> ScalarAsync(string promql)
    {
        var results = await QueryAsync(promql);
        return results.Count switch
        {
            0 => null,
            1 => results[0].Value,
            _ => throw new InvalidOperationException($"{promql} has {results.Count} results"),
        };
    }

    /// <summary>The active targets: job, health ("up", "down", "unknown") and last scrape error.</summary>
    public async Task<List<(string Job, string Health, string LastError)>> TargetsAsync()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Uri, "/api/v1/targets?state=active")));
        return doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Select(t => (t.GetProperty("labels").GetProperty("job").GetString()!, t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString() ?? ""))
            .ToList();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
