using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host;
using Xunit;

namespace KohakuRiver.Tests.Host;

public sealed class ClusterStateTests() : ClusterStateTestBase(s => { s.HeartbeatIntervalSeconds = 1; s.HeartbeatTimeoutFactor = 3; })
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string UrlOf(string node) => $"http://{node}.test:8001";

    private void Register(string node = "n1", int cores = 2, long mem = 8 * G, ClusterState? state = null) =>
        (state ?? _state).Register(new RegisterRequest { Hostname = node, Url = UrlOf(node), TotalCores = cores, TotalRamBytes = mem });

    private long Submit(int cores = 1, long? mem = null, string? target = null, ClusterState? state = null)
    {
        var r = (state ?? _state).Submit([new SubmitRequest
        {
            Command = "echo hi",
            RequiredCores = cores,
            RequiredMemoryBytes = mem,
            Targets = target is null ? null : [target],
        }]);
        return long.Parse(Assert.Single(r.TaskIds));
    }

    private UpdateOutcome Update(long id, RiverTaskStatus status, int? exitCode = null, string? message = null, ClusterState? state = null) =>
        (state ?? _state).ApplyUpdate(new TaskUpdateRequest { TaskId = id, Status = status.ToWire(), ExitCode = exitCode, Message = message });

    private RiverTaskStatus StatusOf(long id) => _state.GetTask(id)!.Status;

    private RiverTaskStatus StoredStatusOf(long id) => _store.GetTask(id)!.Status;

    private static List<long> Ids(IEnumerable<PlacedTask> placed) => placed.Select(p => p.Task.TaskId).ToList();

    private HostException Refused(Action submit)
    {
        var e = Assert.Throws<HostException>(submit);
        Assert.Equal(HostErrorKind.Invalid, e.Kind);
        Assert.Empty(_store.ListTasks(null, null, null, 100, 0));
        Assert.Empty(_state.TakeDispatches());
        return e;
    }

    // ---------------------------------------------------------------- submission

    [Fact]
    public void Task_ids_carry_the_hosts_id_instance()
    {
        // Ids name containers, so two hosts whose runners share an engine must not issue the same one.
        _settings.IdInstance = 77;
        var state = NewState();
        Register(state: state);
        var ids = new[] { Submit(state: state), Submit(state: state) };
        Assert.All(ids, id => Assert.Equal(77, (id >> 12) & 0x3FF));
        Assert.True(ids[1] > ids[0]);
    }

    [Fact]
    public void Submit_is_refused_when_no_node_is_registered_and_stores_nothing()
    {
        var e = Refused(() => Submit());
        Assert.Equal("a task needing 1 core(s) and 2 GiB can never run: no node is registered", e.Message);
    }

    [Fact]
    public void Submit_to_an_unknown_target_is_refused_and_stores_nothing()
    {
        Register();
        var e = Refused(() => Submit(target: "ghost"));
        Assert.Equal("a task needing 1 core(s) and 2 GiB on 'ghost' can never run: node 'ghost' is not registered", e.Message);
    }

    [Fact]
    public void Submit_with_negative_cores_is_refused_and_stores_nothing()
    {
        Register();
        var e = Refused(() => Submit(cores: -1));
        Assert.Equal("required_cores must be 0 or more, got -1", e.Message);
    }

    [Fact]
    public void Submit_with_more_memory_than_any_node_has_is_refused_and_stores_nothing()
    {
        Register(mem: 8 * G);
        var e = Refused(() => Submit(mem: 16 * G));
        Assert.Equal($"a task needing 1 core(s) and 16 GiB can never run: no registered node can ever satisfy it: n1 has {8 * G} bytes of memory, {16 * G} requested", e.Message);
    }

    [Fact]
    public void Submit_with_more_cores_than_any_node_has_is_refused_and_stores_nothing()
    {
        Register(cores: 2);
        var e = Refused(() => Submit(cores: 3));
        Assert.Equal("a task needing 3 core(s) and 6 GiB can never run: no registered node can ever satisfy it: n1 has 2 cores, 3 requested", e.Message);
    }

    [Fact]
    public void A_batch_with_one_impossible_task_is_refused_whole()
    {
        Register(cores: 2);
        var e = Refused(() => _state.Submit([new SubmitRequest { Command = "a" }, new SubmitRequest { Command = "b", RequiredCores = 99 }]));
        Assert.Equal("tasks[1]: a task needing 99 core(s) and 8 GiB can never run: no registered node can ever satisfy it: n1 has 2 cores, 99 requested", e.Message);
    }

    [Theory]
    [InlineData("vps", null, null, null, null, "task_type 'vps' is not supported here; use 'command'")]
    [InlineData("command", "  ", null, null, null, "command is empty")]
    [InlineData("command", "x", 0L, null, null, "required_memory_bytes must be positive, got 0")]
    [InlineData("command", "x", 1024L, null, null, "required_memory_bytes 1024 is below Docker's minimum of 6 MiB")]
    [InlineData("command", "x", null, "A=B", null, "env_vars name 'A=B' is not a valid variable name (a letter or '_', then letters, digits, '_', '.' or '-')")]
    [InlineData("command", "x", null, null, "relative:/x", "mount 'relative:/x': both paths must be absolute")]
    public void Malformed_submissions_are_refused_with_400(string type, string? command, long? mem, string? envName, string? mount, string detail)
    {
        Register();
        var e = Refused(() => _state.Submit([new SubmitRequest
        {
            TaskType = type,
            Command = command!,  // null on purpose: a client may omit it
            RequiredMemoryBytes = mem,
            EnvVars = envName is null ? null : new() { [envName] = "v" },
            AdditionalMounts = mount is null ? null : [mount],
        }]));
        Assert.Equal(detail, e.Message);
    }

    [Fact]
    public void An_empty_submission_is_refused()
    {
        Assert.Equal("no tasks given", Refused(() => _state.Submit([])).Message);
    }

    [Fact]
    public void Register_then_submit_gives_a_pending_task_with_its_log_paths()
    {
        Register();
        var r = _state.Submit([new SubmitRequest { Command = "echo hi", Name = "job", EnvVars = new() { ["K"] = "V" } }]);

        var id = long.Parse(Assert.Single(r.TaskIds));
        Assert.Equal(id, r.BatchId);
        Assert.Equal("1 task(s) accepted", r.Message);
        var t = _state.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Pending, t.Status);
        Assert.Equal(id, t.BatchId);
        Assert.Equal(1, t.RequiredCores);
        Assert.Equal("job", t.Name);
        Assert.Equal("V", t.EnvVars["K"]);
        Assert.Equal(T0, t.SubmittedAt);
        Assert.Null(t.NodeName);
        Assert.Equal("busybox", t.Environment);
        Assert.Equal("kohakuriver/busybox:base", t.DockerImageName);
        Assert.Equal(Path.Combine(_settings.SharedDir, "logs", $"{id}.out"), t.StdoutPath);
        Assert.Equal(Path.Combine(_settings.SharedDir, "logs", $"{id}.err"), t.StderrPath);
        Assert.Equal(RiverTaskStatus.Pending, StoredStatusOf(id));
    }

    [Fact]
    public void Tasks_of_one_batch_share_one_copy_of_each_environment_and_image_name()
    {
        Register();
        var r = _state.Submit([
            new SubmitRequest { Command = "a", ContainerName = new string("py312".ToCharArray()) },
            new SubmitRequest { Command = "b", ContainerName = new string("py312".ToCharArray()) },
        ]);
        var (first, second) = (_state.GetTask(long.Parse(r.TaskIds[0]))!, _state.GetTask(long.Parse(r.TaskIds[1]))!);
        Assert.Equal("py312", first.Environment);
        Assert.Same(first.Environment, second.Environment);
        Assert.Same(first.DockerImageName, second.DockerImageName);
    }

    [Fact]
    public void Several_targets_make_one_batch_with_one_task_per_target()
    {
        Register("a");
        Register("b");
        var r = _state.Submit([new SubmitRequest { Command = "x", Targets = ["b", "a"] }]);

        Assert.Equal(2, r.TaskIds.Count);
        var tasks = r.TaskIds.Select(id => _state.GetTask(long.Parse(id))!).ToList();
        Assert.Equal(["b", "a"], tasks.Select(t => t.TargetHostname));
        Assert.All(tasks, t => Assert.Equal(r.BatchId, t.BatchId));
        Assert.Equal(r.BatchId, tasks[0].TaskId);
        Assert.True(tasks[1].TaskId > tasks[0].TaskId);

        var placed = _state.TakeDispatches();
        Assert.Equal(["b", "a"], placed.Select(d => d.NodeName));
    }

    // ---------------------------------------------------------------- dispatch and capacity

    [Fact]
    public void TakeDispatches_places_in_submission_order_and_honours_capacity()
    {
        Register(cores: 2);
        var a = Submit();
        var b = Submit();
        var c = Submit();

        var first = _state.TakeDispatches();

        Assert.Equal([a, b], Ids(first));
        Assert.All(first, d => Assert.Equal("n1", d.NodeName));
        Assert.All(first, d => Assert.Equal(UrlOf("n1"), d.RunnerUrl));
        Assert.All(first, d => Assert.Equal("n1", d.Task.NodeName));
        Assert.All(first, d => Assert.Equal(RiverTaskStatus.Assigning, d.Task.Status));
        Assert.Equal(RiverTaskStatus.Assigning, StoredStatusOf(a));
        Assert.Equal("n1", _store.GetTask(a)!.NodeName);
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(c));
        Assert.Empty(_state.TakeDispatches());
        var node = Assert.Single(_state.Nodes());
        Assert.Equal(2, node.CoresInUse);
        Assert.Equal(0, node.AvailableCores);
        Assert.Equal(2, node.RunningTaskCount);
    }

    [Fact]
    public void Running_then_completed_frees_capacity_for_the_next_queued_task()
    {
        Register(cores: 2);
        var a = Submit();
        Submit();
        var c = Submit();
        _state.TakeDispatches();

        Assert.Equal(UpdateOutcome.Applied, Update(a, RiverTaskStatus.Running));
        Assert.Equal(RiverTaskStatus.Running, StatusOf(a));
        Assert.Equal(T0, _state.GetTask(a)!.StartedAt);
        Assert.Empty(_state.TakeDispatches());

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(UpdateOutcome.Applied, Update(a, RiverTaskStatus.Completed, exitCode: 0));

        Assert.Equal([c], Ids(_state.TakeDispatches()));
        var done = _store.GetTask(a)!;
        Assert.Equal(RiverTaskStatus.Completed, done.Status);
        Assert.Equal(0, done.ExitCode);
        Assert.Equal(T0, done.StartedAt);
        Assert.Equal(T0.AddSeconds(5), done.CompletedAt);
        Assert.Equal(RiverTaskStatus.Completed, StatusOf(a));
    }

    [Fact]
    public void A_task_that_does_not_fit_now_does_not_block_a_smaller_one_behind_it()
    {
        Register(cores: 2);
        var big = Submit(cores: 2);
        var small1 = Submit();
        Assert.Equal([big], Ids(_state.TakeDispatches()));
        Update(big, RiverTaskStatus.Running);
        Update(big, RiverTaskStatus.Completed, 0);
        var big2 = Submit(cores: 2);
        var small2 = Submit();
        // small1 takes a core; big2 cannot fit in the remaining one, small2 can.
        Assert.Equal([small1, small2], Ids(_state.TakeDispatches()));
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(big2));
    }

    [Fact]
    public void A_size_that_fits_no_node_rules_out_larger_ones_but_not_smaller_or_pinned_ones()
    {
        Register("n1", cores: 4, mem: 8 * G);
        Register("n2", cores: 4, mem: 8 * G);
        var fill1 = Submit(cores: 1, mem: 7 * G, target: "n1");
        var fill2 = Submit(cores: 3, mem: 1 * G, target: "n2");
        Assert.Equal([fill1, fill2], Ids(_state.TakeDispatches()));
        // Free now: n1 3 cores and 1 GiB, n2 1 core and 7 GiB. Enough cores and enough memory exist, never on one node.
        var twoCores = Submit(cores: 2, mem: 2 * G);
        var larger = Submit(cores: 2, mem: 4 * G);
        var oneCore = Submit(cores: 1, mem: 4 * G);
        var pinned = Submit(cores: 1, mem: 1 * G, target: "n1");
        Assert.Equal([oneCore, pinned], Ids(_state.TakeDispatches()));
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(twoCores));
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(larger));
    }

    [Fact]
    public void Memory_is_reserved_as_well_as_cores()
    {
        Register(cores: 8, mem: 8 * G);
        var a = Submit(mem: 6 * G);
        var b = Submit(mem: 6 * G);
        Assert.Equal([a], Ids(_state.TakeDispatches()));
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(b));
        Assert.Equal(6 * G, Assert.Single(_state.Nodes()).MemoryReservedBytes);
    }

    [Fact]
    public void DispatchFailed_requeues_then_fails_after_three_attempts()
    {
        Register();
        var id = Submit();

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            Assert.Equal([id], Ids(_state.TakeDispatches()));
            _state.DispatchFailed(id, "connection refused");
            var t = _state.GetTask(id)!;
            Assert.Equal(RiverTaskStatus.Pending, t.Status);
            Assert.Null(t.NodeName);
            Assert.Equal(RiverTaskStatus.Pending, StoredStatusOf(id));
            // The node that refused gets nothing more until it is heard from.
            Assert.Empty(_state.TakeDispatches());
            Assert.NotNull(_state.Heartbeat("n1", new HeartbeatRequest()));
        }

        Assert.Equal([id], Ids(_state.TakeDispatches()));
        _state.DispatchFailed(id, "connection refused");

        var failed = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Failed, failed.Status);
        Assert.Equal("could not be handed to a runner after 3 attempts; last: connection refused", failed.ErrorMessage);
        Assert.Empty(_state.TakeDispatches());
        Assert.Equal(0, Assert.Single(_state.Nodes()).CoresInUse);
    }

    [Fact]
    public void A_node_that_refused_a_dispatch_gets_work_again_once_it_registers_and_others_take_it_meanwhile()
    {
        Register("n1");
        var id = Submit(target: "n1");
        var other = Submit();
        Assert.Equal([id, other], Ids(_state.TakeDispatches()).Order().ToList());
        _state.DispatchFailed(id, "connection refused");
        _state.DispatchFailed(other, "connection refused");

        // A second node takes the untargeted task at once; the targeted one waits for n1.
        Register("n2");
        var placed = Assert.Single(_state.TakeDispatches());
        Assert.Equal(other, placed.Task.TaskId);
        Assert.Equal("n2", placed.NodeName);

        // n1 comes back (a restarted runner registers, maybe at a new address) and gets its task.
        Register("n1");
        var again = Assert.Single(_state.TakeDispatches());
        Assert.Equal(id, again.Task.TaskId);
        Assert.Equal("n1", again.NodeName);
    }

    [Fact]
    public void DispatchFailed_for_a_task_no_longer_assigning_changes_nothing()
    {
        Register();
        var id = Submit();
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        _state.DispatchFailed(id, "late failure");
        Assert.Equal(RiverTaskStatus.Running, StatusOf(id));
        _state.DispatchFailed(424242, "never existed");
    }

    [Fact]
    public void A_task_the_runner_refuses_as_malformed_fails_at_once_and_frees_its_node()
    {
        Register();
        var id = Submit();
        var next = Submit();
        Assert.Equal([id, next], Ids(_state.TakeDispatches()));
        _state.DispatchRefused(id, "runner at http://n1.test:8001 answered 400: command contains a NUL character");

        var failed = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Failed, failed.Status);
        Assert.Equal("refused by runner n1: runner at http://n1.test:8001 answered 400: command contains a NUL character", failed.ErrorMessage);
        // Unlike an unreachable runner, the node keeps getting work.
        Assert.Equal(1, Assert.Single(_state.Nodes()).CoresInUse);
        var third = Submit();
        Assert.Equal([third], Ids(_state.TakeDispatches()));
    }

    // ---------------------------------------------------------------- runner updates

    [Fact]
    public void A_stale_update_after_kill_is_ignored_and_killed_stays_killed()
    {
        Register();
        var id = Submit();
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        Assert.NotNull(_state.Kill(id));

        Assert.Equal(UpdateOutcome.Ignored, Update(id, RiverTaskStatus.Completed, exitCode: 0));
        var t = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Killed, t.Status);
        Assert.Null(t.ExitCode);
        Assert.Equal("killed by user", t.ErrorMessage);
    }

    [Fact]
    public void Completed_is_not_overwritten_by_a_later_failed()
    {
        Register();
        var id = Submit();
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        Assert.Equal(UpdateOutcome.Applied, Update(id, RiverTaskStatus.Completed, exitCode: 0));

        Assert.Equal(UpdateOutcome.Ignored, Update(id, RiverTaskStatus.Failed, exitCode: 1, message: "boom"));
        var t = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Completed, t.Status);
        Assert.Equal(0, t.ExitCode);
        Assert.Null(t.ErrorMessage);
    }

    [Fact]
    public void An_update_for_an_unknown_task_is_Unknown()
    {
        Assert.Equal(UpdateOutcome.Unknown, Update(123456789, RiverTaskStatus.Running));
    }

    [Fact]
    public void An_update_with_a_status_that_does_not_exist_is_a_400()
    {
        var e = Assert.Throws<HostException>(() => _state.ApplyUpdate(new TaskUpdateRequest { TaskId = 1, Status = "exploded" }));
        Assert.Equal(HostErrorKind.Invalid, e.Kind);
        Assert.Equal("status 'exploded' is not a task status", e.Message);
    }

    [Fact]
    public void A_runner_cannot_move_a_task_back_to_pending_or_assigning_nor_skip_assignment()
    {
        Register();
        var queued = Submit();
        var placed = Submit();
        Assert.Equal([queued, placed], Ids(_state.TakeDispatches()));
        Update(placed, RiverTaskStatus.Running);

        Assert.Equal(UpdateOutcome.Ignored, Update(queued, RiverTaskStatus.Pending));
        Assert.Equal(UpdateOutcome.Ignored, Update(placed, RiverTaskStatus.Assigning));
        Assert.Equal(UpdateOutcome.Ignored, Update(placed, RiverTaskStatus.Running));
        Assert.Equal(RiverTaskStatus.Assigning, StatusOf(queued));
        Assert.Equal(RiverTaskStatus.Running, StatusOf(placed));

        var pending = Submit();
        Assert.Equal(UpdateOutcome.Ignored, Update(pending, RiverTaskStatus.Running));
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(pending));
    }

    [Fact]
    public void A_failure_report_keeps_the_exit_code_and_message()
    {
        Register();
        var id = Submit();
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(UpdateOutcome.Applied, Update(id, RiverTaskStatus.Failed, exitCode: 3, message: "exited with code 3"));
        var t = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Failed, t.Status);
        Assert.Equal(3, t.ExitCode);
        Assert.Equal("exited with code 3", t.ErrorMessage);
        Assert.Equal(T0.AddSeconds(2), t.CompletedAt);
    }

    [Fact]
    public void A_runner_report_for_a_task_the_host_requeued_is_ignored()
    {
        // The host gave the task to n1, the call failed, the task went back to the queue. n1 did get it after all:
        // it lists it in its heartbeat, the host tells it to kill it, and n1 reports "killed". That report is about
        // an attempt the host already gave up on; the queued task must stay queued and run again.
        Register();
        var id = Submit();
        _state.TakeDispatches();
        _state.DispatchFailed(id, "timed out");
        Assert.Equal([id], _state.Heartbeat("n1", new HeartbeatRequest { RunningTasks = [id] }));

        Assert.Equal(UpdateOutcome.Ignored, Update(id, RiverTaskStatus.Killed, message: "killed"));
        Assert.Equal(RiverTaskStatus.Pending, StatusOf(id));
        Assert.Equal([id], Ids(_state.TakeDispatches()));
    }

    // ---------------------------------------------------------------- kill, pause, resume

    [Fact]
    public void Kill_of_a_pending_task_kills_it_and_it_is_never_dispatched()
    {
        Register();
        var id = Submit();

        Assert.Null(_state.Kill(id));

        Assert.Equal(RiverTaskStatus.Killed, StatusOf(id));
        var t = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Killed, t.Status);
        Assert.Equal("killed by user", t.ErrorMessage);
        Assert.Equal(T0, t.CompletedAt);
        Assert.Empty(_state.TakeDispatches());
    }

    [Fact]
    public void Kill_of_an_assigning_task_returns_a_notice_naming_its_runner_and_frees_the_cores()
    {
        Register(cores: 1);
        var id = Submit();
        var next = Submit();
        _state.TakeDispatches();

        var notice = _state.Kill(id);

        Assert.Equal(new RunnerNotice(id, "n1", UrlOf("n1"), $"kohakuriver-task-{id}"), notice);
        Assert.Equal(RiverTaskStatus.Killed, StoredStatusOf(id));
        Assert.Equal([next], Ids(_state.TakeDispatches()));
    }

    [Fact]
    public void Kill_of_a_finished_task_is_a_409_and_of_an_unknown_task_a_404()
    {
        Register();
        var id = Submit();
        _state.Kill(id);

        var conflict = Assert.Throws<HostException>(() => _state.Kill(id));
        Assert.Equal(HostErrorKind.Conflict, conflict.Kind);
        Assert.Equal($"task {id} has already finished (killed)", conflict.Message);
        var missing = Assert.Throws<HostException>(() => _state.Kill(42));
        Assert.Equal(HostErrorKind.NotFound, missing.Kind);
        Assert.Equal("task 42 not found", missing.Message);
    }

    [Fact]
    public void Pause_needs_a_running_task_and_resume_a_paused_one()
    {
        Register();
        var id = Submit();
        var e = Assert.Throws<HostException>(() => _state.PrepareSuspendResume(id, pause: true));
        Assert.Equal(HostErrorKind.Conflict, e.Kind);
        Assert.Equal($"task {id} is pending; only a running task can be paused", e.Message);

        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        Assert.Equal(new RunnerNotice(id, "n1", UrlOf("n1"), $"kohakuriver-task-{id}"), _state.PrepareSuspendResume(id, pause: true));
        _state.CompleteSuspendResume(id, pause: true);
        Assert.Equal(RiverTaskStatus.Paused, StoredStatusOf(id));

        Assert.Throws<HostException>(() => _state.PrepareSuspendResume(id, pause: true));
        _state.PrepareSuspendResume(id, pause: false);
        _state.CompleteSuspendResume(id, pause: false);
        Assert.Equal(RiverTaskStatus.Running, StoredStatusOf(id));
    }

    // ---------------------------------------------------------------- heartbeats

    [Fact]
    public void A_node_silent_past_interval_times_factor_goes_offline_its_running_task_is_lost_and_its_capacity_freed()
    {
        Register(cores: 1);
        var id = Submit();
        var queued = Submit();
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);

        _time.Advance(TimeSpan.FromSeconds(3)); // exactly interval × factor: not yet
        Assert.Empty(_state.CheckHeartbeats());
        Assert.Equal(NodeStatus.Online, Assert.Single(_state.Nodes()).Status);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["n1"], _state.CheckHeartbeats());

        var node = Assert.Single(_state.Nodes());
        Assert.Equal(NodeStatus.Offline, node.Status);
        Assert.Equal(0, node.CoresInUse);
        Assert.Equal(0, node.RunningTaskCount);
        Assert.Equal(NodeStatus.Offline, Assert.Single(_store.LoadNodes()).Status);
        var lost = _store.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Lost, lost.Status);
        Assert.Equal($"node n1 stopped heartbeating (last at {T0:O})", lost.ErrorMessage);
        // Offline: nothing is placed there, and a second check marks nothing again.
        Assert.Empty(_state.TakeDispatches());
        Assert.Empty(_state.CheckHeartbeats());

        // A heartbeat brings it back, and the queue moves.
        Assert.Equal([], _state.Heartbeat("n1", new HeartbeatRequest()));
        Assert.Equal(NodeStatus.Online, Assert.Single(_state.Nodes()).Status);
        Assert.Equal([queued], Ids(_state.TakeDispatches()));
    }

    [Fact]
    public void Heartbeats_keep_a_node_online()
    {
        Register();
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            _state.Heartbeat("n1", new HeartbeatRequest { CpuPercent = 10 + i });
            Assert.Empty(_state.CheckHeartbeats());
        }
        var n = Assert.Single(_state.Nodes());
        Assert.Equal(T0.AddSeconds(10), n.LastHeartbeat);
        Assert.Equal(14.0, n.CpuPercent);
    }

    [Fact]
    public void A_heartbeat_from_an_unknown_node_answers_null()
    {
        Assert.Equal(HostErrorKind.NotFound, Assert.Throws<HostException>(() => _state.Heartbeat("stranger", new HeartbeatRequest())).Kind);
    }

    [Fact]
    public void Heartbeat_reconciliation_loses_a_missing_running_task_requeues_a_missing_assigning_one_and_returns_the_kill_list()
    {
        Register(cores: 4);
        var running = Submit();
        var assigning = Submit();
        var killed = Submit();
        _state.TakeDispatches();
        Update(running, RiverTaskStatus.Running);
        Update(killed, RiverTaskStatus.Running);
        _state.Kill(killed);
        const long neverGiven = 987654321;

        // Within the grace period (2 × interval) a missing task is not yet judged.
        _time.Advance(TimeSpan.FromSeconds(1.5));
        var early = _state.Heartbeat("n1", new HeartbeatRequest { RunningTasks = [killed] })!;
        Assert.Equal([killed], early);
        Assert.Equal(RiverTaskStatus.Running, StatusOf(running));
        Assert.Equal(RiverTaskStatus.Assigning, StatusOf(assigning));

        _time.Advance(TimeSpan.FromSeconds(1));
        var kill = _state.Heartbeat("n1", new HeartbeatRequest { RunningTasks = [killed, neverGiven] })!;

        Assert.Equal(new[] { killed, neverGiven }.Order(), kill.Order());
        var lost = _store.GetTask(running)!;
        Assert.Equal(RiverTaskStatus.Lost, lost.Status);
        Assert.Equal("runner n1 no longer holds this task", lost.ErrorMessage);
        var requeued = _store.GetTask(assigning)!;
        Assert.Equal(RiverTaskStatus.Pending, requeued.Status);
        Assert.Null(requeued.NodeName);
        Assert.Equal([assigning], Ids(_state.TakeDispatches()));
    }

    [Fact]
    public void A_task_the_runner_still_holds_is_left_alone()
    {
        Register();
        var id = Submit();
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([], _state.Heartbeat("n1", new HeartbeatRequest { RunningTasks = [id] }));
        Assert.Equal(RiverTaskStatus.Running, StatusOf(id));
    }

    [Fact]
    public void A_task_held_by_another_node_is_in_the_kill_list()
    {
        Register("a");
        Register("b");
        var id = Submit(target: "a");
        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        Assert.Equal([id], _state.Heartbeat("b", new HeartbeatRequest { RunningTasks = [id] }));
        Assert.Equal(RiverTaskStatus.Running, StatusOf(id));
    }

    [Fact]
    public void Killed_task_reports_in_a_heartbeat_finish_the_task_as_killed_or_killed_oom()
    {
        Register(cores: 3);
        var oom = Submit();
        var kernel = Submit();
        var plain = Submit();
        _state.TakeDispatches();
        Update(oom, RiverTaskStatus.Running);
        Update(kernel, RiverTaskStatus.Running);
        Update(plain, RiverTaskStatus.Running);

        _state.Heartbeat("n1", new HeartbeatRequest
        {
            RunningTasks = [],
            KilledTasks =
            [
                new KilledTaskReport { TaskId = oom, Reason = "OOM killed" },
                // As this project's runner words it.
                new KilledTaskReport { TaskId = kernel, Reason = "killed by the kernel: out of memory (container memory limit reached)" },
                new KilledTaskReport { TaskId = plain, Reason = "container vanished" },
            ],
        });

        Assert.Equal(RiverTaskStatus.KilledOom, StoredStatusOf(oom));
        Assert.Equal("OOM killed", _store.GetTask(oom)!.ErrorMessage);
        Assert.Equal(RiverTaskStatus.KilledOom, StoredStatusOf(kernel));
        Assert.Equal(RiverTaskStatus.Killed, StoredStatusOf(plain));
        Assert.Equal(0, Assert.Single(_state.Nodes()).CoresInUse);
    }

    // ---------------------------------------------------------------- waiting

    [Fact]
    public async Task WaitAsync_returns_at_once_for_a_finished_task()
    {
        Register();
        var id = Submit();
        _state.Kill(id);

        var wait = _state.WaitAsync([id], any: false, TimeSpan.FromMinutes(5), Ct);

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Equal(RiverTaskStatus.Killed, Assert.Single(await wait).Status);
    }

    [Fact]
    public async Task WaitAsync_waits_for_a_pending_task_until_an_update_finishes_it()
    {
        Register();
        var id = Submit();

        var wait = _state.WaitAsync([id], any: false, TimeSpan.FromSeconds(30), Ct);
        Assert.False(wait.IsCompleted);

        _state.TakeDispatches();
        Update(id, RiverTaskStatus.Running);
        Assert.False(wait.IsCompleted);
        Update(id, RiverTaskStatus.Completed, exitCode: 0);

        var result = await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var t = Assert.Single(result);
        Assert.Equal(id, t.TaskId);
        Assert.Equal(RiverTaskStatus.Completed, t.Status);
        Assert.Equal(0, t.ExitCode);
    }

    [Fact]
    public async Task WaitAsync_returns_on_timeout_with_the_task_still_unfinished()
    {
        Register();
        var id = Submit();

        var result = await _state.WaitAsync([id], any: false, TimeSpan.FromMilliseconds(50), Ct);

        Assert.Equal(RiverTaskStatus.Pending, Assert.Single(result).Status);
    }

    [Fact]
    public async Task WaitAsync_with_any_returns_when_one_of_several_finishes()
    {
        Register();
        var a = Submit();
        var b = Submit();

        var wait = _state.WaitAsync([a, b], any: true, TimeSpan.FromSeconds(30), Ct);
        Assert.False(wait.IsCompleted);
        _state.Kill(b);

        var result = await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal([a, b], result.Select(t => t.TaskId));
        Assert.Equal([RiverTaskStatus.Pending, RiverTaskStatus.Killed], result.Select(t => t.Status));
    }

    [Fact]
    public async Task WaitAsync_for_all_keeps_waiting_while_one_is_unfinished()
    {
        Register();
        var a = Submit();
        var b = Submit();
        _state.Kill(a);

        var result = await _state.WaitAsync([a, b], any: false, TimeSpan.FromMilliseconds(50), Ct);

        Assert.Equal([RiverTaskStatus.Killed, RiverTaskStatus.Pending], result.Select(t => t.Status));
    }

    [Fact]
    public async Task WaitAsync_for_an_unknown_id_is_a_404()
    {
        var e = await Assert.ThrowsAsync<HostException>(() => _state.WaitAsync([31337], any: false, TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(HostErrorKind.NotFound, e.Kind);
        Assert.Equal("task 31337 not found", e.Message);
    }

    // ---------------------------------------------------------------- restart

    [Fact]
    public void A_new_state_over_the_same_store_restores_nodes_and_unfinished_tasks_keeping_queue_order()
    {
        Register(cores: 2);
        var running = Submit();
        var assigning = Submit();
        var queued1 = Submit();
        var queued2 = Submit();
        var killed = Submit();
        _state.TakeDispatches();
        Update(running, RiverTaskStatus.Running);
        _state.Kill(killed);

        var restarted = NewState();

        var node = Assert.Single(restarted.Nodes());
        Assert.Equal("n1", node.NodeName);
        Assert.Equal(UrlOf("n1"), node.Url);
        Assert.Equal(2, node.CoresInUse);
        Assert.Equal(RiverTaskStatus.Running, restarted.GetTask(running)!.Status);
        Assert.Equal(RiverTaskStatus.Assigning, restarted.GetTask(assigning)!.Status);
        Assert.Equal(RiverTaskStatus.Killed, restarted.GetTask(killed)!.Status);
        var health = restarted.Health();
        Assert.Equal(2, health.PendingTasks);
        Assert.Equal(2, health.RunningTasks);
        Assert.Empty(restarted.TakeDispatches());

        Update(running, RiverTaskStatus.Completed, exitCode: 0, state: restarted);
        Assert.Equal([queued1], Ids(restarted.TakeDispatches()));
        Assert.Equal(UpdateOutcome.Applied, Update(assigning, RiverTaskStatus.Completed, exitCode: 0, state: restarted));
        Assert.Equal([queued2], Ids(restarted.TakeDispatches()));
    }

    [Fact]
    public void Reservations_follow_every_move_in_and_out_of_a_node()
    {
        _state.Register(new RegisterRequest
        {
            Hostname = "n1", Url = UrlOf("n1"), TotalCores = 4, TotalRamBytes = 8 * G,
            NumaTopology = new() { ["0"] = new NumaNodeInfo { Cores = [0, 1, 2, 3] } },
            GpuInfo = [new GpuInfo { GpuId = 0 }, new GpuInfo { GpuId = 1 }],
        });
        (int Cores, long Memory, int Tasks) Held()
        {
            var n = Assert.Single(_state.Nodes());
            return (n.CoresInUse, n.MemoryReservedBytes, n.RunningTaskCount);
        }
        var gpu = long.Parse(_state.Submit([new SubmitRequest { Command = "x", RequiredCores = 2, RequiredMemoryBytes = G, Targets = ["n1:0::1"] }]).TaskIds[0]);
        var plain = Submit(cores: 1, mem: G);
        Assert.Equal((0, 0L, 0), Held());

        Assert.Equal(2, _state.TakeDispatches().Count);
        Assert.Equal((3, 2 * G, 2), Held());
        // The GPU and the NUMA cores are held too: a second task on GPU 1 or needing 3 NUMA cores waits.
        var sameGpu = long.Parse(_state.Submit([new SubmitRequest { Command = "x", RequiredMemoryBytes = G, Targets = ["n1::1"] }]).TaskIds[0]);
        Assert.Empty(_state.TakeDispatches());

        _state.DispatchFailed(plain, "unreachable");
        Assert.Equal((2, G, 1), Held());
        _state.Register(new RegisterRequest { Hostname = "n1", Url = UrlOf("n1"), TotalCores = 4, TotalRamBytes = 8 * G, GpuInfo = [new GpuInfo { GpuId = 0 }, new GpuInfo { GpuId = 1 }] });
        Assert.Equal([plain], Ids(_state.TakeDispatches()));
        Update(gpu, RiverTaskStatus.Running);
        Update(gpu, RiverTaskStatus.Paused);
        Assert.Equal((3, 2 * G, 2), Held());

        Update(gpu, RiverTaskStatus.Completed, exitCode: 0);
        Assert.Equal((1, G, 1), Held());
        Assert.Equal([sameGpu], Ids(_state.TakeDispatches()));
        _state.Kill(plain);
        Assert.Equal((1, G, 1), Held());

        var restarted = NewState();
        Assert.Equal(1, Assert.Single(restarted.Nodes()).RunningTaskCount);
        _time.Advance(TimeSpan.FromMinutes(5));
        restarted.CheckHeartbeats();
        var lost = Assert.Single(restarted.Nodes());
        Assert.Equal((0, 0L, 0), (lost.CoresInUse, lost.MemoryReservedBytes, lost.RunningTaskCount));
    }

    [Fact]
    public void Restart_downtime_does_not_count_against_the_runners()
    {
        Register();
        _time.Advance(TimeSpan.FromMinutes(10)); // the host was down for ten minutes
        var restarted = NewState();
        Assert.Empty(restarted.CheckHeartbeats());
        _time.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(["n1"], restarted.CheckHeartbeats());
    }

    [Fact]
    public void Health_sums_the_online_nodes()
    {
        Register("a", cores: 4, mem: 8 * G);
        Register("b", cores: 2, mem: 4 * G);
        Submit(cores: 3, mem: G);
        _state.TakeDispatches();
        _state.Heartbeat("a", new HeartbeatRequest { CpuPercent = 50, MemoryPercent = 10, CurrentAvgTemp = 40 });
        _state.Heartbeat("b", new HeartbeatRequest { CpuPercent = 30, CurrentAvgTemp = 55 });
        Submit(cores: 4);

        var h = _state.Health();
        Assert.Equal(2, h.TotalNodes);
        Assert.Equal(2, h.OnlineNodes);
        Assert.Equal(0, h.OfflineNodes);
        Assert.Equal(6, h.TotalCores);
        Assert.Equal(3, h.CoresInUse);
        Assert.Equal(12 * G, h.TotalMemBytes);
        Assert.Equal(G, h.ReservedMemBytes);
        Assert.Equal(40.0, h.AvgCpuPercent);
        Assert.Equal(10.0, h.AvgMemPercent);
        Assert.Equal(55.0, h.MaxAvgCpuTemp);
        Assert.Equal(1, h.PendingTasks);
        Assert.Equal(1, h.RunningTasks);
        Assert.Equal(T0, h.LastUpdated);
    }
}
