using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class EnvironmentRemovalTests
{
    private static HttpResponseMessage Ok(string message) => FakeHost.Json(new MessageResponse { Message = message }, RiverJsonContext.Default.MessageResponse);

    [Fact]
    public void By_default_only_the_container_goes_with_Published_the_versions_too_and_with_a_timestamp_only_that_version()
    {
        var container = EnvironmentRemoval.Plan("py312", published: false, timestamp: null);
        Assert.Equal((true, false, (long?)null), (container.Container, container.AllVersions, container.Version));
        Assert.Contains("published versions stay", container.Action);

        var everything = EnvironmentRemoval.Plan("py312", published: true, timestamp: null);
        Assert.Equal((true, true), (everything.Container, everything.AllVersions));
        Assert.Contains("every published version", everything.Action);

        var one = EnvironmentRemoval.Plan("py312", published: true, timestamp: 1_700_000_000);
        Assert.Equal((false, false, (long?)1_700_000_000), (one.Container, one.AllVersions, one.Version));
        Assert.Contains("2023-11-14", one.Action);

        Assert.Throws<FormatException>(() => EnvironmentRemoval.Plan("Bad Name", false, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvironmentRemoval.Plan("py312", false, 0));
    }

    [Fact]
    public async Task Removing_the_container_alone_calls_only_the_container_endpoint_and_a_missing_one_is_not_found()
    {
        var host = new FakeHost().On("POST /api/docker/host/delete/py312", _ => Ok("environment py312's container deleted"));
        using var client = host.Client();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(["environment py312's container deleted"], await EnvironmentRemoval.Plan("py312", false, null).ExecuteAsync(client, ct));
        Assert.Equal(["/api/docker/host/delete/py312"], host.Requests.Select(r => r.Path));

        var e = await Assert.ThrowsAsync<RiverApiException>(() => EnvironmentRemoval.Plan("other", false, null).ExecuteAsync(client, ct));
        Assert.Equal(RiverErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task With_Published_either_part_may_be_missing_but_not_both()
    {
        var ct = TestContext.Current.CancellationToken;
        var onlyVersions = new FakeHost()
            .On("POST /api/docker/host/delete/cuda", _ => FakeHost.Error(HttpStatusCode.NotFound, "no container"))
            .On("DELETE /api/docker/container/cuda", _ => Ok("2 tarball(s) of cuda deleted"));
        using (var client = onlyVersions.Client())
            Assert.Equal(["2 tarball(s) of cuda deleted"], await EnvironmentRemoval.Plan("cuda", true, null).ExecuteAsync(client, ct));
        Assert.Null(onlyVersions.Requests.Last().Query("timestamp"));

        var onlyContainer = new FakeHost()
            .On("POST /api/docker/host/delete/scratch", _ => Ok("environment scratch's container deleted"))
            .On("DELETE /api/docker/container/scratch", _ => FakeHost.Error(HttpStatusCode.NotFound, "no tarball"));
        using (var client = onlyContainer.Client())
            Assert.Equal(2, (await EnvironmentRemoval.Plan("scratch", true, null).ExecuteAsync(client, ct)).Count);

        using var neither = new FakeHost().Client();
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => EnvironmentRemoval.Plan("ghost", true, null).ExecuteAsync(neither, ct));
        Assert.Contains("'ghost'", e.Message);
    }

    [Fact]
    public async Task One_version_is_removed_by_its_timestamp_and_the_container_is_left_alone()
    {
        var host = new FakeHost().On("DELETE /api/docker/container/py312", _ => Ok("1 tarball(s) of py312 deleted"));
        using var client = host.Client();

        await EnvironmentRemoval.Plan("py312", false, 1_700_000_100).ExecuteAsync(client, TestContext.Current.CancellationToken);

        var request = Assert.Single(host.Requests);
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal("1700000100", request.Query("timestamp"));
    }
}
