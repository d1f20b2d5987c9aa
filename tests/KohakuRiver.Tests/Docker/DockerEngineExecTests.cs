using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

public sealed class DockerEngineExecTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private DockerEngine Client => docker.Client;

    [Fact]
    public async Task RunExec_returns_the_exit_code_and_separated_output()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);

            var (exitCode, stdout, stderr) = await Client.RunExecAsync(id, ["sh", "-c", "echo hi; echo oops >&2; exit 4"], cts.Token);

            Assert.Equal(4, exitCode);
            Assert.Equal("hi\n", stdout);
            Assert.Equal("oops\n", stderr);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Exec_in_a_stopped_container_is_a_409()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await Client.CreateContainerAsync(DockerFixture.UniqueName(),
                new ContainerSpec { Image = DockerFixture.BusyboxImage }, cts.Token);

            var e = await Assert.ThrowsAsync<EngineException>(() => Client.RunExecAsync(id, ["true"], cts.Token));

            Assert.Equal(EngineErrorKind.Conflict, e.Kind);
            Assert.Contains("is not running", e.Message);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task RunExec_keeps_the_first_bytes_of_a_flood_and_says_what_it_dropped()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);

            var result = await Client.RunExecAsync(id, ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a"], cts.Token, maxOutputBytes: 1000);

            Assert.Equal(0, result.ExitCode);
            Assert.StartsWith(new string('a', 1000) + "\n[kohakuriver: output cut after 1000 bytes; 99000 more bytes were dropped]", result.Stdout);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }
}
