using System.Net;
using System.Net.Http.Headers;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>Bad input gets a clear 4xx naming what was wrong, and nothing is stored.</summary>
public sealed class ValidationAndAuthTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    public static TheoryData<string, string, string> BadSubmissions => new()
    {
        { """{"command":"true","targets":["bad name!"]}""", "bad name!", "malformed target" },
        { """{"command":"true","targets":["node:x"]}""", "NUMA", "malformed numa" },
        { """{"command":"true","targets":["nosuchnode"]}""", "nosuchnode", "unknown node" },
        { """{"command":"true","required_cores":-1}""", "required_cores", "negative cores" },
        { """{"command":"true","required_cores":64}""", "cores", "more cores than any node" },
        { """{"command":"true","required_memory_bytes":1125899906842624}""", "memory", "memory larger than any node" },
        { """{"command":""}""", "command", "empty command" },
        { """{"command":"true","required_cores":"many"}""", "required_cores", "wrong type" },
        { """{"command":"true","additional_mounts":["relative:/x"]}""", "absolute", "relative mount" },
        { """not json""", "not valid", "malformed body" },
    };

    [Theory]
    [MemberData(nameof(BadSubmissions))]
    public async Task Bad_submissions_are_refused_with_400_naming_the_problem_and_store_nothing(string body, string mentioned, string why)
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        using var http = new HttpClient { BaseAddress = cluster.HostUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken);

        var response = await http.PostAsync("/api/submit", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode} {text}");
        Assert.Contains("\"detail\"", text);
        Assert.Contains(mentioned, text);
        Assert.Empty(await cluster.Client.ListTasksAsync());
    }

    [Fact]
    public async Task One_bad_spec_in_a_batch_refuses_the_whole_batch()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.SubmitBatchAsync(new BatchSubmitRequest
        {
            Tasks = [new SubmitRequest { Command = "true" }, new SubmitRequest { Command = "true", RequiredCores = -2 }],
        }));
        Assert.Equal(RiverErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("tasks[1]", e.Detail);
        Assert.Empty(await cluster.Client.ListTasksAsync());
    }

    [Fact]
    public async Task Missing_or_wrong_tokens_get_401_and_store_nothing()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = cluster.HostUri };
        var r = await anonymous.PostAsync("/api/submit", new StringContent("""{"command":"true"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Contains("missing bearer token", await r.Content.ReadAsStringAsync());

        using var wrong = new RiverClient(cluster.HostUri, "not-the-token");
        var e = await Assert.ThrowsAsync<RiverApiException>(() => wrong.SubmitAsync(new SubmitRequest { Command = "true" }));
        Assert.Equal(RiverErrorKind.Unauthorized, e.Kind);
        Assert.Contains("invalid bearer token", e.Detail);

        // The cluster token is for runners; it does not let a client submit, nor the API token register a node.
        using var runnerClient = cluster.ClusterTokenClient();
        await Assert.ThrowsAsync<RiverApiException>(() => runnerClient.SubmitAsync(new SubmitRequest { Command = "true" }));
        var reg = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.RegisterAsync(new RegisterRequest { Hostname = "evil", Url = "http://127.0.0.1:1", TotalCores = 1, TotalRamBytes = 1 }));
        Assert.Equal(RiverErrorKind.Unauthorized, reg.Kind);

        Assert.Empty(await cluster.Client.ListTasksAsync());
        Assert.Single(await cluster.Client.GetNodesAsync());
    }

    [Fact]
    public async Task The_runner_api_accepts_only_the_cluster_token()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var node = (await cluster.Client.GetNodesAsync()).Single();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken);
        var r = await http.PostAsync(node.Url + "/api/execute", new StringContent("""{"task_id":"1","command":"true"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task Unknown_task_ids_are_404_and_malformed_ones_400()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.GetTaskAsync(12345));
        Assert.Equal(RiverErrorKind.NotFound, e.Kind);
        Assert.Contains("12345", e.Detail);
        e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.KillAsync(12345));
        Assert.Equal(RiverErrorKind.NotFound, e.Kind);
        using var http = new HttpClient { BaseAddress = cluster.HostUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken);
        var r = await http.GetAsync("/api/status/abc");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        r = await http.GetAsync("/api/tasks?status=sleepy");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("sleepy", await r.Content.ReadAsStringAsync());
    }
}
