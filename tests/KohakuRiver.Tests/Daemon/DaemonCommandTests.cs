using System.Net;
using System.Net.Sockets;
using KohakuRiver.Daemon;
using Xunit;

namespace KohakuRiver.Tests.Daemon;

public sealed class DaemonCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kohakuriver-unit", Guid.NewGuid().ToString("N"));

    public DaemonCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_taken_ssh_proxy_port_ends_the_host_with_exit_code_1_not_an_unhandled_exception()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, "{}");

        var code = await DaemonCommand.RunAsync([
            "host", "--config", config, "--host-bind-address", "127.0.0.1", "--host-port", FreePort().ToString(),
            "--ssh-proxy-port", ((IPEndPoint)taken.LocalEndpoint).Port.ToString(), "--data-dir", Path.Combine(_dir, "data"),
            "--shared-dir", _dir, "--api-token", "api", "--cluster-token", "cluster", "--log-level", "Error"]);

        Assert.Equal(1, code);
    }
}
