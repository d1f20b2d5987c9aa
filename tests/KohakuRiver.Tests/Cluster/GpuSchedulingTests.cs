using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using KohakuRiver.Tests.Runner;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>
/// GPUs from discovery to the engine, against a real host and runner: the runner reads two GPUs through NVML (the
/// stand-in library), the host places and reserves them, the runner's engine refuses them (this machine's engine has
/// no GPU runtime), the task fails saying why, and the host frees them for the next task.
/// </summary>
public sealed class GpuSchedulingTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private const string NoRuntime = "to containers: the container engine has no GPU runtime (is the NVIDIA Container Toolkit installed and configured for the engine?): ";

    [Fact]
    public async Task A_count_is_placed_on_chosen_GPUs_the_engines_refusal_fails_it_plainly_and_the_GPUs_are_freed()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout(120);
        // The runner finds its GPUs through its real NVML reader, pointed at the stand-in driver library with two GPUs.
        using var library = FakeNvmlLibrary.Create("count=2");
        await using var cluster = await TestCluster.StartAsync(configure: s => s.GpuLibraryPath = library.Path);
        var name = cluster.NodeNames[0];
        await Eventually.TrueAsync(async () =>
            (await cluster.Client.GetNodesAsync(cts.Token)).Single(n => n.NodeName == name).GpuInfo is { Count: 2 },
            TimeSpan.FromSeconds(20), "the runner registered with the stand-in's two GPUs");

        var one = await cluster.RunAsync(new SubmitRequest { Command = "true", RegistryImage = DockerFixture.BusyboxImage, RequiredGpuCount = 1 });
        Assert.SkipWhen(one.Status == RiverTaskStatus.Completed, "this engine gives GPUs to containers, so there is no refusal to check");
        Assert.Equal(RiverTaskStatus.Failed, one.Status);
        Assert.Equal(1, one.RequiredGpuCount);
        Assert.Equal([0], one.RequiredGpus!);
        Assert.StartsWith($"node {name} cannot give GPUs 0 {NoRuntime}", one.ErrorMessage);

        // By id, then both by number: each is placed, so the failed tasks' GPUs were freed.
        var byId = await cluster.RunAsync(new SubmitRequest { Command = "true", RegistryImage = DockerFixture.BusyboxImage, Targets = [$"{name}::1"] });
        Assert.StartsWith($"node {name} cannot give GPUs 1 {NoRuntime}", byId.ErrorMessage);
        var both = await cluster.RunAsync(new SubmitRequest { Command = "true", RegistryImage = DockerFixture.BusyboxImage, RequiredGpuCount = 2 });
        Assert.Equal([0, 1], both.RequiredGpus!);
        Assert.StartsWith($"node {name} cannot give GPUs 0,1 {NoRuntime}", both.ErrorMessage);
        Assert.Empty((await cluster.Client.GetNodesAsync(cts.Token)).Single(n => n.NodeName == name).GpusInUse ?? []);

        // More than the node has is refused at submission, naming the numbers; so is a VPS's.
        var tooMany = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.SubmitAsync(new SubmitRequest { Command = "true", RequiredGpuCount = 3 }, cts.Token));
        Assert.Equal(RiverErrorKind.InvalidArgument, tooMany.Kind);
        Assert.Contains($"{name} has 2 GPU(s), 3 requested", tooMany.Detail);
        var vpsTooMany = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewVpsAsync(new VpsCreateRequest { SshKeyMode = "disabled", RequiredGpuCount = 3 }, cts.Token));
        Assert.Equal(RiverErrorKind.InvalidArgument, vpsTooMany.Kind);

        // A VPS asking for a GPU fails the same way, and says so in the 422 the creation answers.
        var vps = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewVpsAsync(
            new VpsCreateRequest { SshKeyMode = "disabled", RegistryImage = DockerFixture.BusyboxImage, RequiredGpuCount = 1 }, cts.Token));
        Assert.Equal(422, (int)vps.StatusCode!);
        Assert.Contains($"node {name} cannot give GPUs 0 {NoRuntime}", vps.Detail);
    }
}
