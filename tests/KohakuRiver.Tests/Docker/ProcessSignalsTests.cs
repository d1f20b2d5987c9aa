using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

/// <summary>A hang-up signals a pid only when that pid is in the container's cgroup as this process sees it.</summary>
public sealed class ProcessSignalsTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    [Fact]
    public void A_process_outside_the_container_or_gone_is_not_in_it()
    {
        Assert.False(ProcessSignals.InContainer(Environment.ProcessId, new string('a', 64)));
        Assert.False(ProcessSignals.InContainer(int.MaxValue, new string('a', 64)));
        Assert.False(ProcessSignals.InContainer(Environment.ProcessId, ""));
    }

    [Fact]
    public async Task A_containers_own_process_is_in_it()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);
            var pid = (await docker.Client.Client.Containers.InspectContainerAsync(id, cts.Token)).State!.Pid;
            Assert.True(ProcessSignals.InContainer(pid, id));
            Assert.False(ProcessSignals.InContainer(pid, new string('a', 64)));
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }
}
