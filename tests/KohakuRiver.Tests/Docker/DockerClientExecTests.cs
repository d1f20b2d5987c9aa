using System.Text;
using KohakuRiver.Daemon.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

public sealed class DockerClientExecTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private DockerClient Client => docker.Client;

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
                new ContainerCreateSpec { Image = DockerFixture.BusyboxImage }, cts.Token);

            var e = await Assert.ThrowsAsync<DockerApiException>(() => Client.RunExecAsync(id, ["true"], cts.Token));

            Assert.Equal(409, e.StatusCode);
            Assert.Contains("is not running", e.EngineMessage);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Hijacked_tty_exec_is_interactive_and_resizable()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);
            string execId = await Client.CreateExecAsync(id, new ExecCreateSpec
            {
                Cmd = ["sh"], AttachStdin = true, AttachStdout = true, AttachStderr = true, Tty = true, Env = ["GREETING=marker"],
            }, cts.Token);

            await using var shell = await Client.StartExecAttachedAsync(execId, tty: true, cts.Token);
            await Client.ResizeExecAsync(execId, 40, 132, cts.Token);
            Assert.True((await Client.InspectExecAsync(execId, cts.Token)).Running);

            // The terminal echoes what we type, so look for text only the shell's evaluation produces.
            await shell.WriteAsync("echo \"$GREETING$((1+1)) [$(stty size)]\"\n"u8.ToArray(), cts.Token);
            await shell.FlushAsync(cts.Token);
            string seen = await ReadUntilAsync(shell, "marker2 [40 132]", cts.Token);
            await shell.WriteAsync("exit 5\n"u8.ToArray(), cts.Token);
            await shell.FlushAsync(cts.Token);
            await ReadToEndAsync(shell, cts.Token);

            Assert.Contains("marker2 [40 132]", seen);
            ExecInspect info;
            while ((info = await Client.InspectExecAsync(execId, cts.Token)).Running)
                await Task.Delay(10, cts.Token);
            Assert.Equal(5, info.ExitCode);
            Assert.Equal(execId, info.Id);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Hijacked_exec_without_tty_takes_stdin_and_multiplexes_output()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);
            // head exits after one line, so the process ends without us having to close stdin.
            string execId = await Client.CreateExecAsync(id, new ExecCreateSpec
            {
                Cmd = ["sh", "-c", "head -n 1; echo bye >&2"], AttachStdin = true, AttachStdout = true, AttachStderr = true,
            }, cts.Token);

            await using var attached = await Client.StartExecAttachedAsync(execId, tty: false, cts.Token);
            await attached.WriteAsync("ping\n"u8.ToArray(), cts.Token);
            await attached.FlushAsync(cts.Token);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            await DockerLogDemuxer.DemuxAsync(attached, stdout, stderr, cts.Token);

            Assert.Equal("ping\n", Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.Equal("bye\n", Encoding.UTF8.GetString(stderr.ToArray()));
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    private static async Task<string> ReadUntilAsync(Stream stream, string text, CancellationToken ct)
    {
        var seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, ct);
            if (read == 0) throw new EndOfStreamException($"stream ended before \"{text}\"; got: {seen}");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return seen.ToString();
    }

    private static async Task ReadToEndAsync(Stream stream, CancellationToken ct)
    {
        byte[] buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, ct) > 0) { }
    }
}
