using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using static KohakuRiver.Bench.Shared.BenchTools;

namespace KohakuRiver.Bench.Terminal;

/// <summary>
/// <c>kohakuriver-daemon host</c> and <c>kohakuriver-daemon runner</c> as two processes of their own on free loopback
/// ports over a temporary folder, so each one's memory can be read apart; the runner drives the real Docker engine.
/// </summary>
internal sealed class Daemons : IAsyncDisposable
{
    private readonly string _root;

    private Daemons(Process host, Process runner, Uri hostUri, string apiToken, string root)
    {
        Host = host;
        Runner = runner;
        HostUri = hostUri;
        ApiToken = apiToken;
        _root = root;
    }

    public Process Host { get; }
    public Process Runner { get; }
    public Uri HostUri { get; }
    public string ApiToken { get; }

    public static async Task<Daemons> StartAsync(string daemonDll)
    {
        if (!File.Exists(daemonDll))
            throw new FileNotFoundException($"daemon not built at {daemonDll}: dotnet build KohakuRiver.Daemon -c Release");
        var root = Directory.CreateTempSubdirectory("kohakuriver-bench-terminal-").FullName;
        var hostPort = FreePort();
        var api = "bench-api-" + Guid.NewGuid().ToString("N");
        var cluster = "bench-cluster-" + Guid.NewGuid().ToString("N");
        string[] common =
        [
            "--host-port", hostPort.ToString(CultureInfo.InvariantCulture), "--host-address", "127.0.0.1",
            "--data-dir", Path.Combine(root, "data"), "--shared-dir", Path.Combine(root, "shared"),
            "--local-temp-dir", Path.Combine(root, "local"), "--api-token", api, "--cluster-token", cluster,
            "--log-level", "Warning", "--heartbeat-interval-seconds", "2", "--task-network", "none",
        ];
        var host = Start(daemonDll, "host", [.. common, "--host-bind-address", "127.0.0.1", "--ssh-proxy-port", FreePort().ToString(CultureInfo.InvariantCulture)]);
        var runner = Start(daemonDll, "runner", [.. common, "--runner-port", FreePort().ToString(CultureInfo.InvariantCulture),
            "--runner-address", "127.0.0.1", "--runner-hostname", "bench-term-" + Guid.NewGuid().ToString("N")[..8], "--runner-cores", "4"]);
        var daemons = new Daemons(host, runner, new Uri($"http://127.0.0.1:{hostPort}/"), api, root);
        using var client = new RiverClient(daemons.HostUri, api);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await client.GetNodesAsync()).Any(n => n.Status == NodeStatus.Online)) break;
            }
            catch (RiverApiException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException("the runner did not come online in 60 s");
            if (host.HasExited || runner.HasExited) throw new InvalidOperationException("a daemon exited while starting");
            await Task.Delay(100);
        }
        return daemons;
    }

    private static Process Start(string dll, string role, string[] options)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add(role);
        foreach (var o in options) psi.ArgumentList.Add(o);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("KOHAKURIVER_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"{role}: {e.Data}"); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>The host's managed heap in MiB as its /metrics reports it (dotnet_total_memory_bytes).</summary>
    public async Task<double> HostManagedHeapMiBAsync()
    {
        using var http = new HttpClient { BaseAddress = HostUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        var text = await http.GetStringAsync("metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) / (1024 * 1024);
    }

    /// <summary>Removes a container through the engine's API on its Unix socket (force: running or not); quiet when
    /// it is already gone.</summary>
    public static async Task RemoveContainerAsync(string name, string socket = "/var/run/docker.sock")
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await s.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), ct);
                return new System.Net.Sockets.NetworkStream(s, ownsSocket: true);
            },
        });
        try
        {
            using var _ = await http.DeleteAsync($"http://docker/containers/{Uri.EscapeDataString(name)}?force=1");
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"could not remove container {name}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in new[] { Runner, Host })
        {
            if (p.HasExited) continue;
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
