using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Environments;
using KohakuRiver.Daemon.Runner.Environments;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Runner.Resources;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Runner;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KohakuRiver.Tests.Docker;

/// <summary>A task holding a GPU, run by the runner's executor on the real engine. Where the engine has no GPU runtime
/// (as on the CI machines), Docker creates the container and refuses its start: the task must fail saying so plainly,
/// and its container must go.</summary>
public sealed class GpuStartFailureDockerTests(DockerFixture docker) : IClassFixture<DockerFixture>, IAsyncDisposable
{
    private const string Node = "gpu-test-node";
    private readonly string _root = Directory.CreateTempSubdirectory("kohakuriver-gpu-").FullName;
    private TaskExecutor? _executor;

    [Fact]
    public async Task Without_a_GPU_runtime_the_task_fails_naming_the_node_the_GPUs_and_the_missing_toolkit()
    {
        docker.RequireDocker();
        var settings = new DaemonSettings
        {
            SharedDir = Path.Combine(_root, "shared"),
            LocalTempDir = Path.Combine(_root, "local"),
            RunnerHostname = Node,
            RunnerAddress = "127.0.0.1",
        };
        var reporter = new RecordingReporter();
        var images = new ImageSync(docker.Client, settings, new TarballStore(settings.SharedDir), NullLogger<ImageSync>.Instance);
        _executor = new TaskExecutor(docker.Client, settings, reporter, new ResourceDetector(settings), images, TimeProvider.System,
            NullLogger<TaskExecutor>.Instance);
        // An id no other test on this engine uses, so that the container name is this test's alone.
        var id = Random.Shared.NextInt64(1L << 50, 1L << 60);

        _executor.Accept(new TaskDto { TaskId = id, Command = "true", Image = DockerFixture.BusyboxImage, RequiredMemoryBytes = 64 << 20, RequiredGpus = [0] });

        var final = await reporter.WaitForFinalAsync(id);
        Assert.SkipWhen(final.Status == "completed", "this engine gives GPUs to containers, so there is no refusal to check");
        Assert.Equal("failed", final.Status);
        Assert.StartsWith($"node {Node} cannot give GPUs 0 to containers: the container engine has no GPU runtime " +
                          "(is the NVIDIA Container Toolkit installed and configured for the engine?): ", final.Message);
        // Docker's own words follow, as it said them.
        Assert.Contains("could not select device driver", final.Message);
        await Eventually.TrueAsync(async () => await docker.Client.InspectContainerAsync(ContainerLabels.TaskContainerName(id)) is null,
            TimeSpan.FromSeconds(20), "the failed task's container removed");
    }

    public async ValueTask DisposeAsync()
    {
        if (_executor is not null) await _executor.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
