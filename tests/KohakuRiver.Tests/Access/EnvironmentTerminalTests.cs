using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using KohakuRiver.Core.Environments;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Access;

/// <summary>A terminal in a host environment's container, on the host's own engine.</summary>
public sealed class EnvironmentTerminalTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    [Fact]
    public async Task A_terminal_in_an_environment_runs_commands_and_refuses_plainly_when_it_cannot()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var env = "t" + Guid.NewGuid().ToString("N")[..10];
        var token = cluster.HostSettings.ApiToken!;
        var path = $"ws/docker/host/containers/{env}/terminal";
        try
        {
            var unknown = await Assert.ThrowsAsync<WebSocketException>(() => LiveTerminal.OpenAsync(cluster.HostUri, path, token));
            Assert.Contains("404", unknown.Message);

            await cluster.Client.NewEnvironmentAsync(env, DockerFixture.BusyboxImage);
            await using (var terminal = await LiveTerminal.OpenAsync(cluster.HostUri, path + "?rows=20&cols=70", token))
            {
                await terminal.TypeAsync("echo in-e''nv > /made-here; cat /made-here; stty size\r");
                await terminal.WaitForAsync("in-env\r\n20 70\r\n");
                await terminal.TypeAsync("exit 2\r");
                Assert.Equal(2, await terminal.WaitClosedAsync());
            }
            // The environment's own container, where a publish would take it from.
            var made = await docker.Client.RunExecAsync(EnvironmentNames.ContainerName(env), ["/bin/cat", "/made-here"]);
            Assert.Equal("in-env\n", made.Stdout);

            using var http = new HttpClient { BaseAddress = cluster.HostUri };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using (var plain = await http.GetAsync("/" + path))
                Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
            var badName = await Assert.ThrowsAsync<WebSocketException>(() => LiveTerminal.OpenAsync(cluster.HostUri, "ws/docker/host/containers/Bad..Name/terminal", token));
            Assert.Contains("400", badName.Message);

            await cluster.Client.StopEnvironmentAsync(env);
            var stopped = await Assert.ThrowsAsync<WebSocketException>(() => LiveTerminal.OpenAsync(cluster.HostUri, path, token));
            Assert.Contains("409", stopped.Message);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(EnvironmentNames.ContainerName(env));
        }
    }
}
