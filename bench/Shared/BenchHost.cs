using System.Diagnostics;
using System.Net;
using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using static KohakuRiver.Bench.Shared.BenchTools;

namespace KohakuRiver.Bench.Shared;

/// <summary>
/// The real daemon in the <c>host</c> role, as its own process on a free loopback port over a temporary folder, with
/// one registered node whose runner is a stub in this process that accepts work and does nothing. One core: the host
/// hands one task to the stub and queues the rest, so it does no work beyond accepting what the client sends.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly StubServer _runner;
    private readonly string _root;

    private BenchHost(Process process, Uri uri, string token, StubServer runner, string root)
    {
        Process = process;
        Uri = uri;
        Token = token;
        _runner = runner;
        _root = root;
    }

    public Process Process { get; }
    public Uri Uri { get; }
    public string Token { get; }

    /// <summary>The one node the host starts with (one core, served by the stub).</summary>
    public const string NodeName = "bench-node";

    public static string DefaultDaemon => Path.Combine(RepoRoot(), "KohakuRiver.Daemon", "bin", "Release", "net10.0", "kohakuriver-daemon.dll");

    public static async Task<BenchHost> StartAsync(string daemonDll)
    {
        if (!File.Exists(daemonDll))
            throw new FileNotFoundException($"daemon not built at {daemonDll}: dotnet build KohakuRiver.Daemon -c Release");
        var root = Directory.CreateTempSubdirectory("kohakuriver-bench-").FullName;
        var port = FreePort();
        var token = "bench-api-" + Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                daemonDll, "host", "--host-port", port.ToString(), "--host-bind-address", "127.0.0.1",
                "--ssh-proxy-port", FreePort().ToString(),
                "--data-dir", Path.Combine(root, "data"), "--shared-dir", Path.Combine(root, "shared"),
                "--api-token", token, "--cluster-token", "bench-cluster", "--log-level", "Warning",
                "--heartbeat-interval-seconds", "600",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("daemon: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var runner = new StubServer(_ => (200, """{"message":"ok"}""", null));
        var host = new BenchHost(process, new Uri($"http://127.0.0.1:{port}/"), token, runner, root);
        using var runnerSide = new RiverClient(host.Uri, "bench-cluster");
        await RetryAsync(() => runnerSide.RegisterAsync(new RegisterRequest
        {
            Hostname = NodeName,
            Url = runner.Uri.ToString().TrimEnd('/'),
            TotalCores = 1,
            TotalRamBytes = 1L << 40,
        }));
        return host;
    }

    /// <summary>Retries a call for up to 30 s while the host process starts.</summary>
    public static async Task RetryAsync(Func<Task> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await call();
                return;
            }
            catch (RiverApiException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        _runner.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A tiny HTTP server on a free loopback port answering every request through a function.</summary>
internal sealed class StubServer : IDisposable
{
    private readonly HttpListener _listener = new();

    public StubServer(Func<HttpListenerRequest, (int Status, string Body, string? ContentType)> answer)
    {
        var port = FreePort();
        Uri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Uri.ToString());
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                var (status, body, type) = answer(ctx.Request);
                var bytes = Encoding.UTF8.GetBytes(body);
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = type ?? "application/json";
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
        });
    }

    public Uri Uri { get; }

    public void Dispose() => _listener.Close();
}
