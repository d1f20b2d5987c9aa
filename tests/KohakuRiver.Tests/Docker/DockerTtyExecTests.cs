using System.Text;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

/// <summary>Exec with a terminal against the real engine: what a terminal WebSocket is built on.</summary>
public sealed class DockerTtyExecTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private DockerEngine Client => docker.Client;

    private static ValueTask Type(ITtyExec exec, string text) => exec.WriteAsync(Encoding.UTF8.GetBytes(text));

    private async Task WithShell(Func<ITtyExec, TtyOutput, Task> test, int rows = 24, int cols = 80)
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout(30);
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "300"], cts.Token);
            await using var exec = await Client.StartTtyExecAsync(id, ["/bin/sh"], rows, cols, cts.Token);
            var output = new TtyOutput(exec);
            await test(exec, output);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public Task A_typed_command_runs_and_its_output_comes_back() => WithShell(async (exec, output) =>
    {
        // The quotes make the command's output differ from its echo as typed.
        await Type(exec, "echo he''llo-$((6*7))\n");
        await output.WaitForAsync("hello-42");
    });

    [Fact]
    public Task The_initial_size_and_a_resize_are_what_stty_reports() => WithShell(async (exec, output) =>
    {
        await Type(exec, "stty size\n");
        await output.WaitForAsync("30 100");
        await exec.ResizeAsync(40, 120);
        await Type(exec, "stty size\n");
        await output.WaitForAsync("40 120");
    }, rows: 30, cols: 100);

    [Fact]
    public Task The_exit_code_of_the_shell_is_reported() => WithShell(async (exec, output) =>
    {
        await Type(exec, "exit 7\n");
        await output.WaitEndedAsync();
        Assert.Equal(7, await exec.WaitExitAsync(TimeSpan.FromSeconds(10)));
    });

    [Fact]
    public Task Multi_byte_text_goes_in_and_comes_out_whole() => WithShell(async (exec, output) =>
    {
        await Type(exec, "printf '%s-%s\\n' 'héllo €' '😀'\n");
        await output.WaitForAsync("héllo €-😀\r\n");
        Assert.DoesNotContain('\uFFFD', output.Text);
    });

    [Fact]
    public Task A_hang_up_ends_the_shell() => WithShell(async (exec, output) =>
    {
        await Type(exec, "echo ready\n");
        await output.WaitForAsync("ready\r\n");
        await exec.HangUpAsync();
        await output.WaitEndedAsync();
        Assert.NotEqual(0, await exec.WaitExitAsync(TimeSpan.FromSeconds(10)));
    });

    [Fact]
    public Task A_hang_up_after_the_end_is_quiet() => WithShell(async (exec, output) =>
    {
        await Type(exec, "exit 0\n");
        await output.WaitEndedAsync();
        Assert.Equal(0, await exec.WaitExitAsync(TimeSpan.FromSeconds(10)));
        await exec.HangUpAsync();
    });

    [Fact]
    public async Task A_command_that_ends_at_once_still_gives_its_output_and_exit_code()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "300"], cts.Token);
            // Ends before the resize that follows the start can reach it.
            await using var exec = await Client.StartTtyExecAsync(id, ["sh", "-c", "echo quick; exit 4"], 24, 80, cts.Token);
            var output = new TtyOutput(exec);
            await output.WaitEndedAsync();
            Assert.Contains("quick", output.Text);
            Assert.Equal(4, await exec.WaitExitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task A_terminal_in_a_stopped_container_is_a_conflict()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await Client.CreateContainerAsync(DockerFixture.UniqueName(), new ContainerSpec { Image = DockerFixture.BusyboxImage }, cts.Token);
            var e = await Assert.ThrowsAsync<EngineException>(() => Client.StartTtyExecAsync(id, ["/bin/sh"], 24, 80, cts.Token));
            Assert.Equal(EngineErrorKind.Conflict, e.Kind);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public Task Stopping_the_container_ends_the_stream() => WithShell(async (exec, output) =>
    {
        await Type(exec, "echo ready\n");
        await output.WaitForAsync("ready\r\n");
        var info = await Client.Client.Exec.InspectContainerExecAsync(exec.Id);
        await Client.KillContainerAsync(info.ContainerID);
        await output.WaitEndedAsync();
    });
}
