using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class EnvironmentViewTests
{
    private static readonly EnvironmentContainer PyContainer = new()
    {
        Environment = "py312", ContainerName = "kohakuriver-env-py312", Image = "python:3.12-slim", Status = "running",
        Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
    };

    private static readonly EnvironmentContainer ScratchContainer = new()
    {
        Environment = "scratch", ContainerName = "kohakuriver-env-scratch", Image = "kohakuriver/busybox:base", Status = "exited",
    };

    private static Dictionary<string, EnvironmentTarballs> Published() => new()
    {
        ["py312"] = new EnvironmentTarballs
        {
            LatestTimestamp = 1_700_000_300,
            LatestTarball = "py312-1700000300.tar",
            AllVersions =
            [
                new() { Timestamp = 1_700_000_100, Tarball = "py312-1700000100.tar", SizeBytes = 100 },
                new() { Timestamp = 1_700_000_300, Tarball = "py312-1700000300.tar", SizeBytes = 300 },
                new() { Timestamp = 1_700_000_200, Tarball = "py312-1700000200.tar", SizeBytes = 200 },
            ],
        },
        ["cuda"] = new EnvironmentTarballs
        {
            LatestTimestamp = 1_600_000_000,
            LatestTarball = "cuda-1600000000.tar",
            AllVersions = [new() { Timestamp = 1_600_000_000, Tarball = "cuda-1600000000.tar", SizeBytes = 5_000 }],
        },
    };

    [Fact]
    public void Containers_and_published_versions_merge_into_one_object_per_environment_ordered_by_name()
    {
        var all = EnvironmentView.Merge([ScratchContainer, PyContainer], Published());

        Assert.Equal(["cuda", "py312", "scratch"], all.Select(e => e.Environment));
        var py = all[1];
        Assert.Equal("kohakuriver-env-py312", py.ContainerName);
        Assert.Equal("running", py.Status);
        Assert.Equal("python:3.12-slim", py.Image);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_300), py.LatestTimestamp);
        Assert.Equal("py312-1700000300.tar", py.LatestTarball);
        Assert.Equal(3, py.Versions);
        Assert.Equal(300, py.SizeBytes);
        Assert.Equal([1_700_000_300L, 1_700_000_200L, 1_700_000_100L], py.PublishedVersions.Select(v => v.Timestamp));
        Assert.True(py.HasContainer && py.IsPublished);
    }

    [Fact]
    public void An_environment_with_only_a_container_or_only_versions_says_so()
    {
        var all = EnvironmentView.Merge([ScratchContainer], Published());
        var cuda = all.Single(e => e.Environment == "cuda");
        Assert.False(cuda.HasContainer);
        Assert.Null(cuda.ContainerName);
        Assert.Null(cuda.Status);
        Assert.Equal(1, cuda.Versions);
        Assert.Equal(5_000, cuda.SizeBytes);

        var scratch = all.Single(e => e.Environment == "scratch");
        Assert.True(scratch.HasContainer);
        Assert.False(scratch.IsPublished);
        Assert.Null(scratch.LatestTimestamp);
        Assert.Equal(0, scratch.Versions);
        Assert.Empty(scratch.PublishedVersions);
    }

    [Theory]
    [InlineData(new string[0], new[] { "cuda", "py312", "scratch" }, new string[0])]
    [InlineData(new[] { "py*" }, new[] { "py312" }, new string[0])]
    [InlineData(new[] { "PY312" }, new[] { "py312" }, new string[0])]
    [InlineData(new[] { "*a*", "cuda" }, new[] { "cuda", "scratch" }, new string[0])]
    [InlineData(new[] { "nope", "x*" }, new string[0], new[] { "nope" })]
    [InlineData(new[] { " ", "" }, new[] { "cuda", "py312", "scratch" }, new string[0])]
    public void Environments_are_picked_by_name_with_wildcards_and_a_plain_name_that_matches_nothing_is_missing(string[] names,
        string[] found, string[] missing)
    {
        var (picked, notThere) = EnvironmentView.Select(EnvironmentView.Merge([ScratchContainer, PyContainer], Published()), names);
        Assert.Equal(found, picked.Select(e => e.Environment));
        Assert.Equal(missing, notThere);
    }

    [Fact]
    public async Task The_listing_asks_for_both_lists_and_a_host_without_published_versions_still_lists_its_containers()
    {
        var host = new FakeHost()
            .On("GET /api/docker/host/containers", _ => FakeHost.Json(new List<EnvironmentContainer> { PyContainer }, RiverJsonContext.Default.ListEnvironmentContainer));
        using var client = host.Client();

        var all = await EnvironmentView.ListAsync(client, TestContext.Current.CancellationToken);

        Assert.Equal("py312", Assert.Single(all).Environment);
        Assert.Equal(["/api/docker/host/containers", "/api/docker/list"], host.Requests.Select(r => r.Path).Order());
    }

    [Fact]
    public async Task A_failing_container_list_fails_the_listing()
    {
        var host = new FakeHost()
            .On("GET /api/docker/host/containers", _ => FakeHost.Error(HttpStatusCode.ServiceUnavailable, "the host's Docker engine is unreachable"))
            .On("GET /api/docker/list", _ => FakeHost.Json(Published(), RiverJsonContext.Default.DictionaryStringEnvironmentTarballs));
        using var client = host.Client();

        var e = await Assert.ThrowsAsync<RiverApiException>(() => EnvironmentView.ListAsync(client, TestContext.Current.CancellationToken));
        Assert.Equal(RiverErrorKind.Unavailable, e.Kind);
    }

    [Fact]
    public async Task One_environment_is_found_by_name_or_reported_not_found()
    {
        var host = new FakeHost()
            .On("GET /api/docker/host/containers", _ => FakeHost.Json(new List<EnvironmentContainer>(), RiverJsonContext.Default.ListEnvironmentContainer))
            .On("GET /api/docker/list", _ => FakeHost.Json(Published(), RiverJsonContext.Default.DictionaryStringEnvironmentTarballs));
        using var client = host.Client();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(3, (await EnvironmentView.GetAsync(client, "py312", ct)).Versions);
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => EnvironmentView.GetAsync(client, "nope", ct));
        Assert.Contains("'nope'", e.Message);
    }

    [Fact]
    public async Task Creating_sends_the_name_and_image_and_returns_the_environment_with_versions_published_earlier()
    {
        var host = new FakeHost()
            .On("POST /api/docker/host/create", r =>
            {
                var body = FakeHost.Read(r, RiverJsonContext.Default.CreateEnvironmentRequest);
                return FakeHost.Json(new EnvironmentContainer
                {
                    Environment = body.Environment, ContainerName = "kohakuriver-env-" + body.Environment, Image = body.ImageName, Status = "running",
                }, RiverJsonContext.Default.EnvironmentContainer, HttpStatusCode.Created);
            })
            .On("GET /api/docker/list", _ => FakeHost.Json(Published(), RiverJsonContext.Default.DictionaryStringEnvironmentTarballs));
        using var client = host.Client();

        var env = await EnvironmentView.CreateAsync(client, "py312", " python:3.12-slim ", TestContext.Current.CancellationToken);

        Assert.Contains("\"container_name\":\"py312\"", host.Requests[0].Body);
        Assert.Contains("\"image_name\":\"python:3.12-slim\"", host.Requests[0].Body);
        Assert.Equal("running", env.Status);
        Assert.Equal(3, env.Versions);
    }

    [Fact]
    public async Task A_bad_name_or_a_missing_image_is_refused_before_the_host_is_asked()
    {
        var host = new FakeHost();
        using var client = host.Client();
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAsync<FormatException>(() => EnvironmentView.CreateAsync(client, "Py 3", "python", ct));
        await Assert.ThrowsAsync<ArgumentException>(() => EnvironmentView.CreateAsync(client, "py", " ", ct));
        Assert.Empty(host.Requests);
    }
}
