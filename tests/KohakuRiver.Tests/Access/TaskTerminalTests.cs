using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Access;

/// <summary>Terminals and commands in running tasks, end to end: through the host (API token) and on the runner itself
/// (cluster token), against real containers.</summary>
public sealed class TaskTerminalTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static async Task<long> RunningSleepAsync(TestCluster cluster)
    {
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 300" });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetTaskAsync(t.TaskId)).Status == RiverTaskStatus.Running,
            TimeSpan.FromSeconds(30), $"task {t.TaskId} running");
        return t.TaskId;
    }

    private static async Task<Uri> RunnerUriAsync(TestCluster cluster) => new((await cluster.Client.GetNodesAsync()).Single().Url);

    private static HttpClient Http(Uri daemon, string token)
    {
        var http = new HttpClient { BaseAddress = daemon, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostExecAsync(HttpClient http, long taskId, string json)
    {
        using var response = await http.PostAsync($"/api/tasks/{taskId}/exec", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_terminal_through_the_host_runs_typed_commands_follows_resizes_and_reports_the_exit_code()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var taskId = await RunningSleepAsync(cluster);

        await using var terminal = await LiveTerminal.OpenAsync(cluster.HostUri, $"ws/task/{taskId}/terminal?rows=30&cols=100", cluster.HostSettings.ApiToken!);
        // The quotes make the output differ from the echo of what was typed.
        await terminal.TypeAsync("echo h''i\r");
        await terminal.WaitForAsync("hi\r\n");
        await terminal.TypeAsync("stty size\r");
        await terminal.WaitForAsync("30 100\r\n");
        await terminal.ResizeAsync(40, 120);
        await terminal.TypeAsync("stty size\r");
        await terminal.WaitForAsync("40 120\r\n");
        await terminal.TypeAsync("printf '%s\\n' 'h\u00e9llo \u20ac-\U0001F600'\r");
        await terminal.WaitForAsync("h\u00e9llo \u20ac-\U0001F600\r\n");
        await terminal.TypeAsync("exit 3\r");

        Assert.Equal(3, await terminal.WaitClosedAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, terminal.CloseStatus);
        Assert.Empty(terminal.Errors);
        Assert.DoesNotContain('\uFFFD', terminal.Output);
    }

    [Fact]
    public async Task A_terminal_command_that_reads_its_size_at_once_sees_the_asked_size()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var taskId = await RunningSleepAsync(cluster);

        // Five times, since the engine's own resize after the start could win the race by luck.
        for (var i = 0; i < 5; i++)
        {
            await using var terminal = await LiveTerminal.OpenAsync(cluster.HostUri,
                $"ws/task/{taskId}/terminal?rows={33 + i}&cols=77&command=stty%20size", cluster.HostSettings.ApiToken!);
            Assert.Equal(0, await terminal.WaitClosedAsync());
            Assert.Contains($"{33 + i} 77", terminal.Output);
        }
    }

    [Fact]
    public async Task A_command_through_the_host_returns_its_output_and_exit_code()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var taskId = await RunningSleepAsync(cluster);
        using var http = Http(cluster.HostUri, cluster.HostSettings.ApiToken!);

        var (status, body) = await PostExecAsync(http, taskId, """{"command":"echo out; echo err >&2; exit 5"}""");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        var result = JsonSerializer.Deserialize(body, RiverJsonContext.Default.EnvironmentExecResult)!;
        Assert.Equal((5, "out\n", "err\n"), (result.ExitCode, result.Stdout, result.Stderr));

        (status, body) = await PostExecAsync(http, taskId, """{"arguments":["/bin/sh","-c","echo $KOHAKURIVER_TASK_ID"]}""");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Equal($"{taskId}\n", JsonSerializer.Deserialize(body, RiverJsonContext.Default.EnvironmentExecResult)!.Stdout);

        (status, body) = await PostExecAsync(http, taskId, """{"command":"sleep 30","timeout_seconds":0.5}""");
        Assert.True(status == HttpStatusCode.GatewayTimeout, $"{status}: {body}");
        Assert.Contains($"the command in task {taskId} did not finish within", body);
    }

    [Fact]
    public async Task The_runner_serves_terminals_and_commands_with_the_cluster_token_and_refuses_plainly()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var taskId = await RunningSleepAsync(cluster);
        var runner = await RunnerUriAsync(cluster);
        var token = cluster.HostSettings.ClusterToken!;

        await using (var terminal = await LiveTerminal.OpenAsync(runner, $"ws/task/{taskId}/terminal?command={Uri.EscapeDataString("echo dir''ect; exit 4")}", token))
        {
            Assert.Equal(4, await terminal.WaitClosedAsync());
            Assert.Contains("direct", terminal.Output);
        }

        using var http = Http(runner, token);
        var (status, body) = await PostExecAsync(http, taskId, """{"command":"echo runner"}""");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Contains("\"stdout\":\"runner\\n\"", body);

        (status, body) = await PostExecAsync(http, 424242, """{"command":"true"}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("task 424242 is not running on node", body);
        (status, body) = await PostExecAsync(http, taskId, """{"timeout_seconds":5}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("give command", body);
        (status, body) = await PostExecAsync(http, taskId, """{"command":"true","timeout_seconds":3601}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("timeout_seconds must be more than 0 and at most 3600", body);

        using (var plain = await http.GetAsync($"/ws/task/{taskId}/terminal"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
            Assert.Contains("WebSocket", await plain.Content.ReadAsStringAsync());
        }
        using (var unknown = await http.GetAsync("/ws/task/424242/terminal", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => LiveTerminal.OpenAsync(runner, "ws/task/424242/terminal", token));
        Assert.Contains("404", refused.Message);
        refused = await Assert.ThrowsAsync<WebSocketException>(() => LiveTerminal.OpenAsync(runner, $"ws/task/{taskId}/terminal?rows=0", token));
        Assert.Contains("400", refused.Message);
        refused = await Assert.ThrowsAsync<WebSocketException>(() => LiveTerminal.OpenAsync(runner, $"ws/task/{taskId}/terminal", cluster.HostSettings.ApiToken!));
        Assert.Contains("401", refused.Message);
    }

    [Fact]
    public async Task A_client_that_goes_hangs_up_its_shell()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var taskId = await RunningSleepAsync(cluster);
        var container = ContainerLabels.TaskContainerName(taskId);

        await using (var terminal = await LiveTerminal.OpenAsync(cluster.HostUri, $"ws/task/{taskId}/terminal", cluster.HostSettings.ApiToken!))
        {
            await terminal.TypeAsync("echo re''ady; sleep 4321\r");
            await terminal.WaitForAsync("ready\r\n");
            Assert.Contains("sleep 4321", await ProcessesAsync(container));
            await terminal.CloseAsync();
        }

        await Eventually.TrueAsync(async () => !(await ProcessesAsync(container)).Contains("sleep 4321"), TimeSpan.FromSeconds(15),
            "the shell and its sleep ended after the client went");
    }

    [Fact]
    public async Task A_container_that_stops_ends_the_terminal_with_an_exit_message()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var taskId = await RunningSleepAsync(cluster);

        await using var terminal = await LiveTerminal.OpenAsync(cluster.HostUri, $"ws/task/{taskId}/terminal", cluster.HostSettings.ApiToken!);
        await terminal.TypeAsync("echo re''ady\r");
        await terminal.WaitForAsync("ready\r\n");
        await cluster.Client.KillAsync(taskId);

        var code = await terminal.WaitClosedAsync(30);
        Assert.NotEqual(0, code);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, terminal.CloseStatus);
    }

    private async Task<string> ProcessesAsync(string container) =>
        (await docker.Client.RunExecAsync(container, ["ps", "-o", "args"])).Stdout;
}
