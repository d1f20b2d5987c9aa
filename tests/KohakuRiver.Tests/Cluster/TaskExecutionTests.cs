using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>Command tasks run in real containers through a real host and runner.</summary>
public sealed class TaskExecutionTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    [Fact]
    public async Task Echo_completes_with_its_stdout_and_stderr_kept_apart()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.RunAsync(new SubmitRequest { Command = "echo hello from $KOHAKURIVER_TASK_ID; echo oops >&2" });

        AssertTask.Completed(t);
        Assert.Equal(0, t.ExitCode);
        Assert.Equal(cluster.NodeNames[0], t.NodeName);
        Assert.NotNull(t.StartedAt);
        Assert.NotNull(t.CompletedAt);
        Assert.Equal($"hello from {t.TaskId}\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout));
        Assert.Equal("oops\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stderr));
        // The container is removed once the outcome is acknowledged.
        await Eventually.TrueAsync(async () => (await cluster.ContainersAsync(docker.Client)).Count == 0, TimeSpan.FromSeconds(10), "container removed");
    }

    [Fact]
    public async Task Nonzero_exit_fails_with_that_exit_code()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.RunAsync(new SubmitRequest { Command = "exit 3" });
        Assert.Equal(RiverTaskStatus.Failed, t.Status);
        Assert.Equal(3, t.ExitCode);
        Assert.Contains("3", t.ErrorMessage);
    }

    [Fact]
    public async Task Arguments_pass_verbatim_in_exec_form_and_a_bare_command_gets_a_shell()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var exec = await cluster.RunAsync(new SubmitRequest { Command = "echo", Arguments = ["a  b", "$HOME", "|", "c;d"] });
        AssertTask.Completed(exec);
        Assert.Equal("a  b $HOME | c;d\n", await cluster.Client.GetOutputAsync(exec.TaskId, TaskOutputStream.Stdout));

        var shell = await cluster.RunAsync(new SubmitRequest
        {
            Command = "echo one two three | wc -w > /local_temp/n && cat /local_temp/n && echo $GREETING",
            EnvVars = new() { ["GREETING"] = "hi there" },
        });
        AssertTask.Completed(shell);
        Assert.Equal("3\nhi there\n", await cluster.Client.GetOutputAsync(shell.TaskId, TaskOutputStream.Stdout));
    }

    [Fact]
    public async Task Shared_dir_is_mounted_as_the_working_directory()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.RunAsync(new SubmitRequest { Command = "pwd && echo data > result.txt" });
        AssertTask.Completed(t);
        Assert.Equal("/shared\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout));
        Assert.Equal("data\n", await File.ReadAllTextAsync(Path.Combine(cluster.HostSettings.SharedDir, "shared_data", "result.txt")));
    }

    [Theory]
    // The pause: a process killed before the engine watches the container's memory cgroup (just after the start) leaves
    // no trace of the OOM kill (see DockerEngineContainerTests); a real job runs out of memory later than that.
    [InlineData("sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1", 16, "killed_oom", "out of memory")]
    [InlineData("sh -c 'kill -9 $$'; exit $?", 64, "failed", "exited with code 137")]
    public async Task Exit_137_under_a_memory_limit_is_killed_oom_only_when_memory_ran_out(string command, int limitMiB, string status, string message)
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.RunAsync(new SubmitRequest { Command = command, RequiredMemoryBytes = (long)limitMiB << 20 });
        Assert.True(t.Status.ToWire() == status, $"{t.Status}: {t.ErrorMessage} (exit {t.ExitCode})");
        Assert.Equal(137, t.ExitCode);
        Assert.Contains(message, t.ErrorMessage);
    }

    [Fact]
    public async Task Output_tail_returns_the_last_lines()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.RunAsync(new SubmitRequest { Command = "seq 1 5000" });
        AssertTask.Completed(t);
        Assert.Equal("4998\n4999\n5000\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout, lines: 3));
        var all = await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout);
        Assert.Equal(5000, all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        await using var follow = await cluster.Client.OpenOutputAsync(t.TaskId, TaskOutputStream.Stdout, null, offset: all.Length - 5);
        Assert.Equal(all.Length, follow.NextOffset);
        Assert.Equal("5000\n", await new StreamReader(follow.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task A_missing_named_image_fails_the_task_with_a_message_naming_it()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.RunAsync(new SubmitRequest { Command = "true", RegistryImage = "kohakuriver/no-such-image:v1" });
        Assert.Equal(RiverTaskStatus.Failed, t.Status);
        Assert.Contains("kohakuriver/no-such-image:v1", t.ErrorMessage);
    }
}
