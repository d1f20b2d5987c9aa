using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Runner.Execution;
using Xunit;

namespace KohakuRiver.Tests.Runner;

public sealed class GpuStartFailureTests
{
    [Fact]
    public void No_GPU_runtime_is_said_plainly_with_the_engines_words()
    {
        var e = new EngineException(EngineErrorKind.Other, "could not select device driver \"\" with capabilities: [[gpu]]");
        Assert.Equal("node n1 cannot give GPUs 0,2 to containers: the container engine has no GPU runtime " +
                     "(is the NVIDIA Container Toolkit installed and configured for the engine?): could not select device driver \"\" with capabilities: [[gpu]]",
            GpuStartFailure.Describe("n1", [0, 2], e));
    }

    [Fact]
    public void The_NVIDIA_runtime_refusing_names_the_GPUs_and_the_likely_causes()
    {
        var e = new EngineException(EngineErrorKind.Other,
            "failed to create task for container: OCI runtime create failed: nvidia-container-cli: device error: 7: unknown device");
        var message = GpuStartFailure.Describe("n1", [7], e);
        Assert.StartsWith("node n1 could not give GPUs 7 to the container: the NVIDIA container runtime refused", message);
        Assert.EndsWith("nvidia-container-cli: device error: 7: unknown device", message);
    }

    [Fact]
    public void Errors_of_tasks_without_GPUs_or_not_about_GPUs_are_left_to_the_caller()
    {
        var gpu = new EngineException(EngineErrorKind.Other, "could not select device driver \"\" with capabilities: [[gpu]]");
        Assert.Null(GpuStartFailure.Describe("n1", null, gpu));
        Assert.Null(GpuStartFailure.Describe("n1", [], gpu));
        Assert.Null(GpuStartFailure.Describe("n1", [0], new EngineException(EngineErrorKind.Other, "no space left on device")));
        Assert.Null(GpuStartFailure.Describe("n1", [0], new EngineException(EngineErrorKind.Unavailable, "the connection to the Docker engine failed")));
    }
}
