using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Environments;
using KohakuRiver.Daemon.Runner.Environments;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Runner.Resources;
using KohakuRiver.Daemon.Runner.Vps;
using KohakuRiver.Tests.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KohakuRiver.Tests.Runner;

/// <summary>The runner's decisions, against an engine held in memory: what it creates, kills, adopts, leaves alone and
/// reports. The same paths against the real engine are in the Cluster tests.</summary>
public sealed class TaskExecutorTests : IAsyncDisposable
{
    private const string Node = "node-a";
    private const string Image = "kohakuriver/busybox:base";

    private readonly FakeContainerEngine _engine = new();
    private readonly RecordingReporter _host = new();
    private readonly DaemonSettings _settings;
    private readonly List<TaskExecutor> _executors = [];

    public TaskExecutorTests()
    {
        var root = Directory.CreateTempSubdirectory("kohakuriver-executor-").FullName;
        _settings = new DaemonSettings
        {
            SharedDir = Path.Combine(root, "shared"),
            LocalTempDir = Path.Combine(root, "local"),
            RunnerHostname = Node,
            RunnerAddress = "127.0.0.1",
        };
    }

    private TaskExecutor NewExecutor(TimeSpan? vpsRecheck = null)
    {
        var images = new ImageSync(_engine, _settings, new TarballStore(_settings.SharedDir), NullLogger<ImageSync>.Instance);
        var executor = new TaskExecutor(_engine, _settings, _host, new ResourceDetector(_settings), images, TimeProvider.System, NullLogger<TaskExecutor>.Instance)
        {
            VpsRecheckInterval = vpsRecheck ?? TimeSpan.FromSeconds(30),
        };
        _executors.Add(executor);
        return executor;
    }

    private static TaskDto Command(long id, string command = "true") =>
        new() { TaskId = id, Command = command, Image = Image, RequiredMemoryBytes = 64 << 20 };

    private static Dictionary<string, string> OwnLabels(long taskId, string kind = "task") => new()
    {
        [ContainerLabels.Managed] = "true",
        [ContainerLabels.Kind] = kind,
        [ContainerLabels.TaskId] = taskId.ToString(CultureInfo.InvariantCulture),
        [ContainerLabels.Node] = Node,
    };

    /// <summary>Waits (up to 10 s) until the engine has the container, i.e. the executor got as far as creating it.</summary>
    private static async Task<FakeContainer> ContainerAsync(FakeContainerEngine engine, string name)
    {
        await Eventually.TrueAsync(() => Task.FromResult(engine.Find(name) is { State.Running: true }), TimeSpan.FromSeconds(10), $"container {name} running");
        return engine.Find(name)!;
    }

    /// <summary>The runner reports a task's end before it removes the container, so removal is awaited, not assumed.</summary>
    private async Task GoneAsync(string idOrName) =>
        await Eventually.TrueAsync(() => Task.FromResult(_engine.Find(idOrName) is null), TimeSpan.FromSeconds(10), $"container {idOrName} removed");

    [Fact]
    public async Task A_task_killed_before_its_execute_arrives_never_gets_a_container()
    {
        var executor = NewExecutor();

        await executor.KillAsync(5, "the user killed it while it was assigning");
        executor.Accept(Command(5));

        var final = await _host.WaitForFinalAsync(5);
        Assert.Equal(("killed", "killed before it started"), (final.Status, final.Message));
        Assert.Empty(_engine.Calls);
        Assert.Empty(executor.HeldTaskIds);
    }

    [Fact]
    public async Task A_kill_while_running_ends_the_task_as_killed_and_removes_its_container()
    {
        var executor = NewExecutor();
        executor.Accept(Command(6, "sleep 60"));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(6));

        await executor.KillAsync(6, "the user asked");

        var final = await _host.WaitForFinalAsync(6);
        Assert.Equal(("killed", "killed"), (final.Status, final.Message));
        await GoneAsync(container.Id);
        Assert.Contains($"kill {container.Name}", _engine.Calls);
    }

    [Fact]
    public async Task A_finished_task_reports_its_exit_code_with_its_output_in_the_log_files()
    {
        var executor = NewExecutor();
        executor.Accept(Command(7));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(7));
        container.Stdout = "to stdout\n";
        container.Stderr = "to stderr\n";

        container.End(3, oomKilled: false);

        var final = await _host.WaitForFinalAsync(7);
        Assert.Equal(("failed", 3, "exited with code 3"), (final.Status, final.ExitCode, final.Message));
        Assert.NotNull(final.StartedAt);
        Assert.Equal("to stdout\n", await File.ReadAllTextAsync(Path.Combine(_settings.LogsDir, "7.out"), TestContext.Current.CancellationToken));
        Assert.Equal("to stderr\n", await File.ReadAllTextAsync(Path.Combine(_settings.LogsDir, "7.err"), TestContext.Current.CancellationToken));
        await GoneAsync(container.Id);
        Assert.Contains(_host.Reports, r => r.TaskId == 7 && r.Status == "running");
    }

    [Fact]
    public async Task After_a_runner_restart_its_own_containers_are_adopted_and_followed_to_their_end()
    {
        var running = _engine.Add(ContainerLabels.TaskContainerName(11), OwnLabels(11), running: true);
        var neverStarted = _engine.Add(ContainerLabels.TaskContainerName(12), OwnLabels(12), running: false);
        var otherNode = _engine.Add(ContainerLabels.TaskContainerName(13), new Dictionary<string, string>(OwnLabels(13)) { [ContainerLabels.Node] = "node-b" }, running: true);
        var executor = NewExecutor();

        await executor.AdoptAsync(TestContext.Current.CancellationToken);

        var report = await _host.WaitForAsync(r => r.TaskId == 11 && r.Status == "running", "of task 11 running");
        Assert.Equal(running.State.StartedAt, report.StartedAt);
        // Created but never started: the task never ran, so its container goes and the host queues it again.
        await Eventually.TrueAsync(() => Task.FromResult(_engine.Find(neverStarted.Id) is null), TimeSpan.FromSeconds(10), "never-started container removed");
        Assert.Equal([11L], executor.HeldTaskIds);
        running.Stdout = "done\n";

        running.End(0, oomKilled: false);

        var final = await _host.WaitForFinalAsync(11);
        Assert.Equal(("completed", 0), (final.Status, final.ExitCode));
        Assert.Equal("done\n", await File.ReadAllTextAsync(Path.Combine(_settings.LogsDir, "11.out"), TestContext.Current.CancellationToken));
        await GoneAsync(running.Id);
        Assert.DoesNotContain(_host.Reports, r => r.TaskId is 12 or 13);
        Assert.True(otherNode.State.Running, "another node's container was touched");
        Assert.Empty(executor.HeldTaskIds);
    }

    [Fact]
    public async Task An_oom_event_makes_an_exit_137_an_oom_kill_even_when_the_flag_lost_its_race()
    {
        var executor = NewExecutor();
        executor.Accept(Command(21));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(21));

        container.AddEvent("oom");
        container.End(137, oomKilled: false);

        var final = await _host.WaitForFinalAsync(21);
        Assert.Equal(("killed_oom", 137), (final.Status, final.ExitCode));
        Assert.Contains("out of memory", final.Message);
    }

    [Fact]
    public async Task The_oom_flag_alone_is_enough()
    {
        var executor = NewExecutor();
        executor.Accept(Command(22));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(22));

        container.End(137, oomKilled: true);

        Assert.Equal("killed_oom", (await _host.WaitForFinalAsync(22)).Status);
    }

    [Fact]
    public async Task An_exit_137_without_flag_or_oom_event_is_a_plain_failure()
    {
        var executor = NewExecutor();
        executor.Accept(Command(23));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(23));

        container.End(137, oomKilled: false);

        var final = await _host.WaitForFinalAsync(23);
        Assert.Equal(("failed", 137, "exited with code 137"), (final.Status, final.ExitCode, final.Message));
    }

    [Fact]
    public async Task A_kill_from_outside_is_reported_as_killed_with_its_signal()
    {
        var executor = NewExecutor();
        executor.Accept(Command(24));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(24));

        container.AddEvent("kill", new Dictionary<string, string> { ["signal"] = "15" });
        container.End(143, oomKilled: false);

        var final = await _host.WaitForFinalAsync(24);
        Assert.Equal("killed", final.Status);
        Assert.Contains("killed outside KohakuRiver", final.Message);
        Assert.Contains("signal 15", final.Message);
    }

    [Fact]
    public async Task A_foreign_container_holding_the_name_is_left_alone_and_the_task_fails_naming_it()
    {
        var foreign = _engine.Add(ContainerLabels.TaskContainerName(31), new Dictionary<string, string> { ["owner"] = "someone" }, running: true);
        var executor = NewExecutor();

        executor.Accept(Command(31));

        var final = await _host.WaitForFinalAsync(31);
        Assert.Equal("failed", final.Status);
        Assert.Contains($"a container named {foreign.Name} already exists", final.Message);
        Assert.Contains("it is not a KohakuRiver container", final.Message);
        Assert.Same(foreign, _engine.Find(foreign.Name));
        Assert.True(foreign.State.Running);
        Assert.DoesNotContain(_engine.Calls, call => call is not ("create " + "kohakuriver-task-31"));
        // Nor does a later runner adopt it: it carries none of our labels.
        await NewExecutor().AdoptAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(_host.Reports, r => r.TaskId == 31 && r.Status == "running");
    }

    [Fact]
    public async Task A_leftover_of_the_same_task_on_this_node_is_replaced()
    {
        var leftover = _engine.Add(ContainerLabels.TaskContainerName(32), OwnLabels(32), running: false);
        var executor = NewExecutor();

        executor.Accept(Command(32));

        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(32));
        Assert.NotEqual(leftover.Id, container.Id);
        Assert.Null(_engine.Find(leftover.Id));
        container.End(0, oomKilled: false);
        Assert.Equal("completed", (await _host.WaitForFinalAsync(32)).Status);
    }

    [Fact]
    public async Task A_vps_whose_sshd_dies_is_reported_again_on_its_new_port_and_failed_when_it_stays_down()
    {
        await using var firstSshd = new FakeSshd();
        await using var secondSshd = new FakeSshd();
        _engine.NextSshPort = firstSshd.Port;
        var executor = NewExecutor();
        executor.Accept(new TaskDto
        {
            TaskId = 41, TaskType = "vps", Image = "kohakuriver/sshd:base", SshKeyMode = "upload",
            SshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly test", RequiredMemoryBytes = 64 << 20,
        });

        var first = await _host.WaitForAsync(r => r.TaskId == 41 && r.Status == "running", "of the VPS running");
        Assert.Equal(firstSshd.Port, first.SshPort);
        var container = _engine.Find(VpsContainerSpec.ContainerName(41))!;
        Assert.Contains($"put {container.Name} /root", _engine.Calls);

        // sshd dies; the restart policy brings the container back, published on another port.
        await Eventually.TrueAsync(() => Task.FromResult(container.Waiters > 0), TimeSpan.FromSeconds(10), "the supervisor waiting on the container");
        container.DieAndComeBack(255, secondSshd.Port);

        var again = await _host.WaitForAsync(r => r.TaskId == 41 && r.Status == "running" && r.SshPort == secondSshd.Port, "of the VPS on its new port");
        Assert.Equal(secondSshd.Port, again.SshPort);

        // Now it cannot start sshd at all and stays down.
        container.End(127, oomKilled: false);

        var final = await _host.WaitForFinalAsync(41);
        Assert.Equal(("failed", 127), (final.Status, final.ExitCode));
        Assert.Equal("VPS ended: sshd could not be started (see the container's log)", final.Message);
        await GoneAsync(container.Id);
    }

    [Fact]
    public async Task A_vps_restarted_before_its_supervisor_waits_on_it_is_still_reported_on_its_new_port()
    {
        await using var firstSshd = new FakeSshd();
        await using var secondSshd = new FakeSshd();
        _engine.NextSshPort = firstSshd.Port;
        var executor = NewExecutor(vpsRecheck: TimeSpan.FromMilliseconds(100));
        // sshd dies and comes back while the first "running" report is being delivered: the supervisor's wait, armed
        // after that, would only end at the next exit.
        _host.OnReport = report =>
        {
            if (report is { TaskId: 43, Status: "running" } && report.SshPort == firstSshd.Port)
                _engine.Find(VpsContainerSpec.ContainerName(43))!.DieAndComeBack(255, secondSshd.Port);
        };
        executor.Accept(new TaskDto
        {
            TaskId = 43, TaskType = "vps", Image = "kohakuriver/sshd:base", SshKeyMode = "upload",
            SshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly test", RequiredMemoryBytes = 64 << 20,
        });

        var again = await _host.WaitForAsync(r => r.TaskId == 43 && r.Status == "running" && r.SshPort == secondSshd.Port, "of the VPS on its new port");
        Assert.Equal(secondSshd.Port, again.SshPort);
    }

    [Fact]
    public async Task A_vps_image_without_sshd_fails_before_it_starts()
    {
        _engine.ImagesWithoutSshd.Add(Image);
        var executor = NewExecutor();

        executor.Accept(new TaskDto { TaskId = 42, TaskType = "vps", Image = Image, SshKeyMode = "upload", SshPublicKey = "ssh-ed25519 AAAA test" });

        var final = await _host.WaitForFinalAsync(42);
        Assert.Equal("failed", final.Status);
        Assert.Contains($"image '{Image}' has no sshd", final.Message);
        Assert.DoesNotContain(_engine.Calls, call => call.StartsWith("start ", StringComparison.Ordinal));
        await GoneAsync(VpsContainerSpec.ContainerName(42));
    }

    /// <summary>What Docker answers a start that asks for GPUs when no runtime handles them.</summary>
    private const string NoGpuDriver = "could not select device driver \"nvidia\" with capabilities: [[gpu]]";

    [Fact]
    public async Task A_task_whose_GPUs_the_engine_cannot_give_fails_saying_which_node_and_GPUs_and_what_is_missing()
    {
        _engine.StartFailure = c => c.Spec.HostConfig?.DeviceRequests is { Count: > 0 } ? new EngineException(EngineErrorKind.Other, NoGpuDriver) : null;
        var executor = NewExecutor();
        executor.Accept(Command(61));
        var task = Command(62);
        task.RequiredGpus = [0, 1];
        executor.Accept(task);

        var final = await _host.WaitForFinalAsync(62);
        Assert.Equal("failed", final.Status);
        Assert.Equal($"node {Node} cannot give GPUs 0,1 to containers: the container engine has no GPU runtime " +
                     $"(is the NVIDIA Container Toolkit installed and configured for the engine?): {NoGpuDriver}", final.Message);
        await GoneAsync(ContainerLabels.TaskContainerName(62));
        // A task without GPUs on the same node is not affected.
        await _host.WaitForAsync(r => r.TaskId == 61 && r.Status == "running", "of task 61 running");
    }

    [Fact]
    public async Task A_vps_whose_GPUs_the_engine_cannot_give_fails_the_same_way()
    {
        _engine.StartFailure = _ => new EngineException(EngineErrorKind.Other, NoGpuDriver);
        var executor = NewExecutor();
        executor.Accept(new TaskDto { TaskId = 63, TaskType = "vps", Image = Image, SshKeyMode = "disabled", RequiredGpus = [3], RequiredMemoryBytes = 64 << 20 });

        var final = await _host.WaitForFinalAsync(63);
        Assert.Equal("failed", final.Status);
        Assert.StartsWith($"node {Node} cannot give GPUs 3 to containers: the container engine has no GPU runtime", final.Message);
        Assert.EndsWith(NoGpuDriver, final.Message);
        await GoneAsync(VpsContainerSpec.ContainerName(63));
    }

    [Fact]
    public async Task An_engine_refusal_unrelated_to_GPUs_keeps_the_engines_words()
    {
        _engine.StartFailure = _ => new EngineException(EngineErrorKind.Other, "OCI runtime create failed: something else");
        var executor = NewExecutor();
        var task = Command(64);
        task.RequiredGpus = [0];
        executor.Accept(task);

        var final = await _host.WaitForFinalAsync(64);
        Assert.Equal(("failed", "Docker engine: OCI runtime create failed: something else"), (final.Status, final.Message));
    }

    [Fact]
    public async Task Stopping_the_executor_waits_for_its_supervisors_and_leaves_containers_running()
    {
        var executor = NewExecutor();
        executor.Accept(Command(51, "sleep 600"));
        var container = await ContainerAsync(_engine, ContainerLabels.TaskContainerName(51));
        await _host.WaitForAsync(r => r.TaskId == 51 && r.Status == "running", "of task 51 running");

        await executor.StopAsync(TimeSpan.FromSeconds(5));

        Assert.True(container.State.Running, "stopping the runner must not stop its tasks");
        Assert.DoesNotContain(_host.Reports, r => r.TaskId == 51 && r.Status != "running");
        // A stopped executor starts nothing new.
        executor.Accept(Command(52));
        Assert.Null(_engine.Find(ContainerLabels.TaskContainerName(52)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var executor in _executors) await executor.DisposeAsync();
        try
        {
            Directory.Delete(Path.GetDirectoryName(_settings.SharedDir)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
