using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Forwarding;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using KohakuRiver.Tests.PowerShell.Runspaces;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>
/// The port-forward cmdlets in a real runspace against a real cluster. They name the cluster with -Cluster, so the
/// module's process-wide default connection (which other runspace tests set) is never touched.
/// </summary>
public sealed class PortForwardCmdletTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static async Task<(TestCluster Cluster, long TaskId)> StartWebTaskAsync()
    {
        var cluster = await TestCluster.StartAsync(configure: s => s.TaskNetwork = "bridge");
        var task = await cluster.SubmitOneAsync(new SubmitRequest { Command = "mkdir -p /tmp/www && echo hi from $KOHAKURIVER_TASK_ID > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www" });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetTaskAsync(task.TaskId)).Status == RiverTaskStatus.Running, Deadline, "task running");
        return (cluster, task.TaskId);
    }

    private static Dictionary<string, object?> Vars(TestCluster cluster, long id) => new()
    {
        ["c"] = new RiverClusterConnection(cluster.HostUri, cluster.HostSettings.ApiToken!, RiverConnectionSource.Parameter),
        ["id"] = id,
    };

    private static bool Listening(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Start_writes_the_forward_Get_lists_it_and_Stop_frees_its_port()
    {
        docker.RequireDocker();
        var (cluster, id) = await StartWebTaskAsync();
        await using var _ = cluster;
        using var ps = new ModuleRunspace();
        var vars = Vars(cluster, id);

        var forward = ps.Run("Start-RiverPortForward -TaskId $id -Port 8080 -Cluster $c", vars).ShouldSucceed().Of<PortForward>().Single();
        Assert.Equal(id, forward.TaskId);
        Assert.Equal(8080, forward.RemotePort);
        Assert.Equal(ForwardProtocol.Tcp, forward.Protocol);
        Assert.Equal(PortForwardState.Listening, forward.State);
        Assert.True(Listening(forward.LocalPort));

        using var http = new HttpClient();
        string? body = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                body = await http.GetStringAsync($"http://127.0.0.1:{forward.LocalPort}/index.html");
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Deadline, "httpd through the forward");
        Assert.Equal($"hi from {id}\n", body);

        var listed = ps.Run("Get-RiverPortForward").ShouldSucceed().Of<PortForward>();
        Assert.Same(forward, Assert.Single(listed));
        Assert.Equal(["TaskId", "RemotePort", "Protocol", "LocalAddress", "LocalPort", "State", "Connections", "TotalConnections", "BytesSent", "BytesReceived", "Error"],
            ps.TableHeader("Get-RiverPortForward"));

        ps.Run("Get-RiverPortForward | Stop-RiverPortForward").ShouldSucceed();
        Assert.Equal(PortForwardState.Stopped, forward.State);
        Assert.Empty(ps.Run("Get-RiverPortForward").ShouldSucceed().Output);
        Assert.False(Listening(forward.LocalPort), $"local port {forward.LocalPort} still listens after Stop-RiverPortForward");
    }

    [Fact]
    public async Task Refusals_are_specific_errors_and_a_closed_session_stops_its_forwards()
    {
        docker.RequireDocker();
        var (cluster, id) = await StartWebTaskAsync();
        await using var _ = cluster;
        var vars = Vars(cluster, id);
        PortForward forward;
        using (var ps = new ModuleRunspace())
        {
            var unknown = ps.Run("Start-RiverPortForward -TaskId 424242 -Port 8080 -Cluster $c", vars);
            Assert.StartsWith("RiverTaskNotFound", Assert.Single(unknown.Errors).FullyQualifiedErrorId);
            Assert.Empty(unknown.Output);

            forward = ps.Run("Start-RiverPortForward $id 8080 -Cluster $c", vars).ShouldSucceed().Of<PortForward>().Single();
            vars["port"] = forward.LocalPort;
            var taken = ps.Run("Start-RiverPortForward $id 8080 -LocalPort $port -Cluster $c", vars);
            Assert.StartsWith("RiverLocalPortUnavailable", Assert.Single(taken.Errors).FullyQualifiedErrorId);

            var none = ps.Run("Stop-RiverPortForward -TaskId 424242");
            Assert.StartsWith("RiverPortForwardNotFound", Assert.Single(none.Errors).FullyQualifiedErrorId);
            Assert.Equal(PortForwardState.Listening, forward.State);
        }
        // The runspace closed: its forwards stopped with it.
        Assert.Equal(PortForwardState.Stopped, forward.State);
        Assert.False(Listening(forward.LocalPort));
    }

    [Fact]
    public async Task Wait_holds_the_forward_until_the_pipeline_is_stopped()
    {
        docker.RequireDocker();
        var (cluster, id) = await StartWebTaskAsync();
        await using var _ = cluster;
        using var ps = new ModuleRunspace();
        using var pipeline = ps.Pipeline();
        pipeline.AddScript("Start-RiverPortForward $id 8080 -Cluster $c -Wait");
        foreach (var (name, value) in Vars(cluster, id)) ps.Runspace.SessionStateProxy.SetVariable(name, value);
        var output = new System.Management.Automation.PSDataCollection<System.Management.Automation.PSObject>();
        var written = new TaskCompletionSource<PortForward>(TaskCreationOptions.RunContinuationsAsynchronously);
        output.DataAdded += (_, e) => written.TrySetResult((PortForward)output[e.Index].BaseObject);
        var running = pipeline.InvokeAsync<System.Management.Automation.PSObject, System.Management.Automation.PSObject>(null, output);

        var forward = await written.Task.WaitAsync(Deadline);
        Assert.Equal(PortForwardState.Listening, forward.State);
        Assert.False(running.IsCompleted, "-Wait returned while the forward was listening");
        await pipeline.StopAsync(null, null);
        await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.Equal(PortForwardState.Stopped, forward.State);
        Assert.False(Listening(forward.LocalPort));
        Assert.Empty(ps.Run("Get-RiverPortForward").ShouldSucceed().Output);
    }
}
