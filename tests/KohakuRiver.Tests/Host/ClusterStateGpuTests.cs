using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Host.State;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>GPUs through the host's state: asked for by id or by number, reserved from placement until the task is
/// final, never held by two tasks, checked at submission with nothing stored when refused.</summary>
public sealed class ClusterStateGpuTests() : ClusterStateTestBase(s => { s.HeartbeatIntervalSeconds = 1; s.HeartbeatTimeoutFactor = 3; })
{
    /// <summary>Registers a node of two NUMA nodes (half the cores each) whose GPUs are given as (id, NUMA node).</summary>
    private void Register(string node, int cores, params (int Id, int Numa)[] gpus) =>
        _state.Register(new RegisterRequest
        {
            Hostname = node, Url = $"http://{node}.test:8001", TotalCores = cores, TotalRamBytes = 8 * G,
            NumaTopology = new()
            {
                ["0"] = new NumaNodeInfo { Cores = Enumerable.Range(0, cores / 2).ToList() },
                ["1"] = new NumaNodeInfo { Cores = Enumerable.Range(cores / 2, cores - cores / 2).ToList() },
            },
            GpuInfo = gpus.Select(g => new GpuInfo { GpuId = g.Id, NumaNode = g.Numa }).ToList(),
        });

    private long Submit(int? count = null, string? target = null, int cores = 1, List<List<int>>? ids = null) =>
        long.Parse(Assert.Single(_state.Submit([new SubmitRequest
        {
            Command = "x", RequiredCores = cores, RequiredMemoryBytes = G, RequiredGpuCount = count,
            Targets = target is null ? null : [target], RequiredGpus = ids,
        }]).TaskIds));

    private void Update(long id, RiverTaskStatus status, string? message = null) =>
        Assert.Equal(UpdateOutcome.Applied, _state.ApplyUpdate(new TaskUpdateRequest
        {
            TaskId = id, Status = status.ToWire(), ExitCode = status == RiverTaskStatus.Completed ? 0 : null, Message = message,
        }));

    private Dictionary<long, List<int>?> Placed() =>
        _state.TakeDispatches().ToDictionary(p => p.Task.TaskId, p => p.Task.RequiredGpus);

    private HostException Refused(Action submit)
    {
        var e = Assert.Throws<HostException>(submit);
        Assert.Equal(HostErrorKind.Invalid, e.Kind);
        Assert.Empty(_store.ListTasks(null, null, null, 100, 0));
        Assert.Empty(_state.TakeDispatches());
        return e;
    }

    // ---------------------------------------------------------------- by id

    [Fact]
    public void GPU_ids_the_node_has_are_placed_and_one_it_lacks_is_refused_naming_it()
    {
        Register("n1", 4, (0, 0), (1, 0));
        var id = Submit(target: "n1::0,1");
        Assert.Equal([0, 1], Assert.Single(Placed())!.Value!);
        Assert.Equal([0, 1], _state.GetTask(id)!.RequiredGpus!);

        var e = Assert.Throws<HostException>(() => Submit(target: "n1::1,2"));
        Assert.Equal(HostErrorKind.Invalid, e.Kind);
        Assert.Equal("a task needing 1 core(s) and 1 GiB and GPU(s) 1,2 on 'n1' can never run: n1 has no GPU 2", e.Message);
        Assert.Single(_store.ListTasks(null, null, null, 100, 0));
    }

    [Fact]
    public void Two_tasks_never_hold_the_same_GPU_and_the_second_runs_once_the_first_is_final()
    {
        Register("n1", 8, (0, 0), (1, 0));
        var first = Submit(target: "n1::0");
        var second = Submit(target: "n1::0,1");
        var other = Submit(target: "n1::1");
        Assert.Equal([first, other], Placed().Keys.Order());
        // Held while assigning, running and paused alike.
        Assert.Empty(_state.TakeDispatches());
        Update(first, RiverTaskStatus.Running);
        Update(first, RiverTaskStatus.Paused);
        Assert.Empty(_state.TakeDispatches());
        Update(other, RiverTaskStatus.Running);
        Update(other, RiverTaskStatus.Completed);
        Assert.Empty(_state.TakeDispatches()); // GPU 0 is still held
        Update(first, RiverTaskStatus.Failed, "boom");
        Assert.Equal([second], Placed().Keys);
    }

    [Fact]
    public void A_killed_task_frees_its_GPUs()
    {
        Register("n1", 8, (0, 0));
        var first = Submit(target: "n1::0");
        var waiting = Submit(count: 1);
        Assert.Equal([first], Placed().Keys);
        _state.Kill(first);
        Assert.Equal([0], Placed()[waiting]!);
    }

    // ---------------------------------------------------------------- by number

    [Fact]
    public void A_count_gets_GPUs_from_one_NUMA_node_and_the_ids_are_on_the_task_stored_and_dispatched()
    {
        Register("n1", 8, (0, 0), (1, 0), (2, 0), (3, 1), (4, 1));
        var pair = Submit(count: 2);
        var triple = Submit(count: 3);
        var placed = Placed();
        Assert.Equal([3, 4], placed[pair]!);
        Assert.Equal([0, 1, 2], placed[triple]!);
        foreach (var (id, gpus) in new[] { (pair, new List<int> { 3, 4 }), (triple, [0, 1, 2]) })
        {
            var live = _state.GetTask(id)!;
            Assert.Equal(gpus, live.RequiredGpus!);
            var stored = _store.GetTask(id)!;
            Assert.Equal(gpus, stored.RequiredGpus!);
            Assert.Equal(live.RequiredGpuCount, stored.RequiredGpuCount);
        }
        Assert.Equal(3, _state.GetTask(triple)!.RequiredGpuCount);
    }

    [Fact]
    public void A_queued_count_task_shows_no_GPU_ids_until_placed()
    {
        Register("n1", 8, (0, -1));
        var holder = Submit(target: "n1::0");
        var waiting = Submit(count: 1);
        Assert.Equal([holder], Placed().Keys);
        var queued = _state.GetTask(waiting)!;
        Assert.Null(queued.RequiredGpus);
        Assert.Equal(1, queued.RequiredGpuCount);
        Assert.Equal(RiverTaskStatus.Pending, queued.Status);
        Update(holder, RiverTaskStatus.Completed);
        Assert.Equal([0], Placed()[waiting]!);
    }

    [Fact]
    public void A_count_with_a_NUMA_target_prefers_that_NUMA_nodes_GPUs()
    {
        Register("n1", 8, (0, 0), (1, 0), (2, 1), (3, 1));
        var onOne = Submit(count: 1, target: "n1:1");
        var onZero = Submit(count: 1, target: "n1:0");
        var placed = Placed();
        Assert.Equal([2], placed[onOne]!);
        Assert.Equal([0], placed[onZero]!);
    }

    [Fact]
    public void Count_tasks_placed_in_one_pass_never_share_a_GPU()
    {
        Register("a", 16, (0, 0), (1, 0), (2, 1), (3, 1));
        Register("b", 16, (0, 0), (1, 0));
        var ids = Enumerable.Range(0, 7).Select(_ => Submit(count: 1)).ToList();
        var placed = _state.TakeDispatches();
        Assert.Equal(6, placed.Count);
        var held = placed.SelectMany(p => p.Task.RequiredGpus!.Select(g => (p.NodeName, g))).ToList();
        Assert.Equal(held.Count, held.Distinct().Count());
        Assert.Equal(6, held.Count);
        Assert.Equal(RiverTaskStatus.Pending, _state.GetTask(ids[6])!.Status);
    }

    [Fact]
    public void A_count_task_waiting_for_a_GPU_does_not_hold_back_a_larger_task_without_GPUs()
    {
        // The walk's shortcut skips a task no smaller than one that found no node; a GPU task's size counts its GPUs.
        Register("n1", 4, (0, 0));
        var holder = Submit(target: "n1::0");
        var gpuTask = Submit(count: 1);
        var plain = Submit(cores: 2);
        var placed = Placed();
        Assert.Equal([holder, plain], placed.Keys.Order());
        Assert.Equal(RiverTaskStatus.Pending, _state.GetTask(gpuTask)!.Status);
    }

    [Fact]
    public void A_failed_dispatch_releases_the_chosen_GPUs_and_forgets_them_but_keeps_the_count()
    {
        Register("n1", 8, (0, 0), (1, 0));
        var id = Submit(count: 2);
        Assert.Equal([0, 1], Placed()[id]!);
        _state.DispatchFailed(id, "unreachable");
        var queued = _state.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Pending, queued.Status);
        Assert.Null(queued.RequiredGpus);
        Assert.Equal(2, queued.RequiredGpuCount);
        Assert.Null(_store.GetTask(id)!.RequiredGpus);
        // The node is heard from again; both GPUs are free again, so the task is placed once more.
        Register("n1", 8, (0, 0), (1, 0));
        Assert.Equal([0, 1], Placed()[id]!);
    }

    [Fact]
    public void A_task_the_runner_never_received_goes_back_to_the_queue_without_its_chosen_GPUs()
    {
        Register("n1", 8, (0, 0));
        var id = Submit(count: 1);
        Assert.Equal([0], Placed()[id]!);
        _time.Advance(TimeSpan.FromSeconds(5));
        _state.Heartbeat("n1", new HeartbeatRequest());
        var queued = _state.GetTask(id)!;
        Assert.Equal(RiverTaskStatus.Pending, queued.Status);
        Assert.Null(queued.RequiredGpus);
        Assert.Equal([0], Placed()[id]!);
    }

    [Fact]
    public void Chosen_GPUs_stay_reserved_across_a_host_restart()
    {
        Register("n1", 8, (0, 0));
        var id = Submit(count: 1);
        Assert.Equal([0], Placed()[id]!);
        Update(id, RiverTaskStatus.Running);
        var restarted = NewState();
        var next = long.Parse(Assert.Single(restarted.Submit([new SubmitRequest { Command = "x", RequiredMemoryBytes = G, RequiredGpuCount = 1 }]).TaskIds));
        Assert.Empty(restarted.TakeDispatches());
        Assert.Equal(UpdateOutcome.Applied, restarted.ApplyUpdate(new TaskUpdateRequest { TaskId = id, Status = "failed", Message = "x" }));
        Assert.Equal([0], Assert.Single(restarted.TakeDispatches(), p => p.Task.TaskId == next).Task.RequiredGpus!);
    }

    [Fact]
    public void A_VPS_asking_for_GPUs_by_number_gets_them_like_a_task()
    {
        Register("n1", 8, (0, 0), (1, 1));
        var vps = _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", RequiredGpuCount = 1, TargetHostname = "n1", TargetNumaNodeId = 1 }, SshKeyMode.Disabled, null);
        Assert.Equal(1, vps.RequiredGpuCount);
        Assert.Equal([1], Assert.Single(_state.TakeDispatches()).Task.RequiredGpus!);
        var e = Assert.Throws<HostException>(() => _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", RequiredGpuCount = 3 }, SshKeyMode.Disabled, null));
        Assert.Equal("a task needing 1 core(s) and 2 GiB and 3 GPU(s) can never run: no registered node can ever satisfy it: n1 has 2 GPU(s), 3 requested", e.Message);
        var both = Assert.Throws<HostException>(() => _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", RequiredGpuCount = 1, RequiredGpus = [0] }, SshKeyMode.Disabled, null));
        Assert.Contains("required_gpu_count and required_gpus cannot be given together", both.Message);
        Assert.Single(_store.ListTasks(null, null, null, 100, 0));
    }

    // ---------------------------------------------------------------- refusals

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65)]
    public void A_count_outside_1_to_64_is_refused(int count)
    {
        Register("n1", 8, (0, 0));
        Assert.Equal($"required_gpu_count must be from 1 to 64, got {count}", Refused(() => Submit(count: count)).Message);
    }

    [Fact]
    public void A_count_with_GPU_ids_is_refused_naming_both()
    {
        Register("n1", 8, (0, 0), (1, 0));
        Assert.Equal("required_gpu_count and required_gpus cannot be given together: ask for a number of GPUs or for GPU ids, not both",
            Refused(() => Submit(count: 1, ids: [[0]])).Message);
        Assert.Equal("required_gpu_count and the GPU ids in target 'n1::1' cannot be given together: ask for a number of GPUs or for GPU ids, not both",
            Refused(() => Submit(count: 1, target: "n1::1")).Message);
    }

    [Fact]
    public void A_count_above_every_nodes_GPUs_or_the_targets_is_refused()
    {
        Register("a", 8, (0, 0), (1, 0));
        Register("b", 8, (0, 0));
        Assert.Equal("a task needing 1 core(s) and 1 GiB and 3 GPU(s) can never run: no registered node can ever satisfy it: a has 2 GPU(s), 3 requested; b has 1 GPU(s), 3 requested",
            Refused(() => Submit(count: 3)).Message);
        Assert.Equal("a task needing 1 core(s) and 1 GiB and 2 GPU(s) on 'b' can never run: b has 1 GPU(s), 2 requested",
            Refused(() => Submit(count: 2, target: "b")).Message);
    }

    [Fact]
    public void A_batch_with_one_impossible_count_is_refused_whole()
    {
        Register("n1", 8, (0, 0), (1, 0));
        var e = Refused(() => _state.Submit([
            new SubmitRequest { Command = "ok", RequiredGpuCount = 1 },
            new SubmitRequest { Command = "too many", RequiredGpuCount = 4 },
        ]));
        Assert.StartsWith("tasks[1]: ", e.Message);
        Assert.Contains("n1 has 2 GPU(s), 4 requested", e.Message);
    }
}
