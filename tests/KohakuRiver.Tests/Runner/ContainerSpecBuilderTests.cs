using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Runner.Execution;
using Xunit;

namespace KohakuRiver.Tests.Runner;

public sealed class ContainerSpecBuilderTests
{
    private static DaemonSettings Settings(params string[] extraMounts) => new()
    {
        SharedDir = "/cluster/share",
        LocalTempDir = "/scratch/kr",
        TaskNetwork = "none",
        DefaultEnvironment = "busybox",
        ExtraMounts = [.. extraMounts],
    };

    private static TaskDto Task(Action<TaskDto>? edit = null)
    {
        var t = new TaskDto { TaskId = 7151234567890123456, Command = "echo hi | wc -c" };
        edit?.Invoke(t);
        return t;
    }

    [Fact]
    public void A_bare_command_runs_under_bin_sh_dash_c()
    {
        var spec = ContainerSpecBuilder.Build(Task(), Settings(), "n1", null, []);
        Assert.Equal(["/bin/sh", "-c", "echo hi | wc -c"], spec.Cmd!);
        Assert.Null(spec.Entrypoint);
    }

    [Fact]
    public void A_command_with_arguments_runs_in_exec_form_verbatim()
    {
        var spec = ContainerSpecBuilder.Build(Task(t => { t.Command = "python"; t.Arguments = ["-c", "print('a b')", "$HOME"]; }), Settings(), "n1", null, []);
        Assert.Equal(["python", "-c", "print('a b')", "$HOME"], spec.Cmd!);
    }

    [Theory]
    [InlineData(1, 1_000_000_000L)]
    [InlineData(3, 3_000_000_000L)]
    [InlineData(64, 64_000_000_000L)]
    public void NanoCpus_is_cores_times_a_billion(int cores, long nano)
    {
        var spec = ContainerSpecBuilder.Build(Task(t => t.RequiredCores = cores), Settings(), "n1", null, []);
        Assert.Equal(nano, spec.HostConfig!.NanoCpus);
        Assert.Contains($"KOHAKURIVER_CORES={cores}", spec.Env!);
    }

    [Fact]
    public void Zero_cores_sets_no_cpu_limit()
    {
        var spec = ContainerSpecBuilder.Build(Task(t => t.RequiredCores = 0), Settings(), "n1", null, []);
        Assert.Null(spec.HostConfig!.NanoCpus);
        Assert.DoesNotContain(spec.Env!, e => e.StartsWith("KOHAKURIVER_CORES=", StringComparison.Ordinal));
    }

    [Fact]
    public void Memory_and_MemorySwap_are_equal_so_there_is_no_swap()
    {
        var spec = ContainerSpecBuilder.Build(Task(t => t.RequiredMemoryBytes = 512L << 20), Settings(), "n1", null, []);
        Assert.Equal(512L << 20, spec.HostConfig!.Memory);
        Assert.Equal(512L << 20, spec.HostConfig.MemorySwap);
    }

    [Fact]
    public void No_memory_request_gets_the_default_per_core_and_every_container_a_pids_limit()
    {
        var settings = Settings();
        settings.DefaultMemoryPerCoreBytes = 1L << 30;
        settings.DefaultPidsLimit = 321;
        var spec = ContainerSpecBuilder.Build(Task(t => t.RequiredCores = 3), settings, "n1", null, []);
        Assert.Equal(3L << 30, spec.HostConfig!.Memory);
        Assert.Equal(3L << 30, spec.HostConfig.MemorySwap);
        Assert.Equal(321, spec.HostConfig.PidsLimit);
        Assert.Equal(77, ContainerSpecBuilder.Build(Task(t => t.PidsLimit = 77), settings, "n1", null, []).HostConfig!.PidsLimit);
    }

    [Fact]
    public void Binds_are_shared_data_local_temp_then_extra_and_task_mounts_are_typed_bind_mounts_of_their_resolved_paths()
    {
        // The task's texts are not used: the runner hands in what the mount policy resolved.
        var task = Task(t => t.AdditionalMounts = ["/link/in:/in:ro"]);
        var spec = ContainerSpecBuilder.Build(task, Settings("/opt/tools:/tools:ro"), "n1", null,
            [new MountSpec("/data/in", "/in", true), new MountSpec("/data/out", "/out", false)]);
        Assert.Equal(["/cluster/share/shared_data:/shared", "/scratch/kr:/local_temp", "/opt/tools:/tools:ro"], spec.HostConfig!.Binds!);
        Assert.Equal(
            ["bind /data/in -> /in ro", "bind /data/out -> /out rw"],
            spec.HostConfig.Mounts!.Select(m => $"{m.Type} {m.Source} -> {m.Target} {(m.ReadOnly == true ? "ro" : "rw")}"));
        Assert.Equal("/shared", spec.WorkingDir);
        Assert.Equal("none", spec.HostConfig.NetworkMode);
    }

    [Fact]
    public void Labels_name_the_task_the_node_and_the_batch()
    {
        var spec = ContainerSpecBuilder.Build(Task(t => t.BatchId = 99), Settings(), "node-a", null, []);
        Assert.Equal(new Dictionary<string, string>
        {
            ["kohakuriver.managed"] = "true",
            ["kohakuriver.kind"] = "task",
            ["kohakuriver.task_id"] = "7151234567890123456",
            ["kohakuriver.node"] = "node-a",
            ["kohakuriver.batch_id"] = "99",
        }, spec.Labels!);
        Assert.Equal("kohakuriver-task-7151234567890123456", ContainerLabels.TaskContainerName(7151234567890123456));
    }

    [Fact]
    public void A_task_without_batch_has_no_batch_label_or_variable()
    {
        var spec = ContainerSpecBuilder.Build(Task(), Settings(), "n1", null, []);
        Assert.False(spec.Labels!.ContainsKey("kohakuriver.batch_id"));
        Assert.DoesNotContain(spec.Env!, e => e.StartsWith("KOHAKURIVER_BATCH_ID=", StringComparison.Ordinal));
    }

    [Fact]
    public void The_environment_carries_the_task_variables_then_the_kohakuriver_ones()
    {
        var spec = ContainerSpecBuilder.Build(Task(t => { t.EnvVars = new() { ["A"] = "1", ["B"] = "x=y" }; t.BatchId = 5; t.RequiredCores = 2; }), Settings(), "n1", null, []);
        Assert.Equal(
            ["A=1", "B=x=y", "KOHAKURIVER_TASK_ID=7151234567890123456", "KOHAKURIVER_BATCH_ID=5", "KOHAKURIVER_NODE=n1",
             "KOHAKURIVER_SHARED_DIR=/shared", "KOHAKURIVER_LOCAL_TEMP_DIR=/local_temp", "KOHAKURIVER_CORES=2"],
            spec.Env!);
    }

    [Fact]
    public void A_NUMA_target_pins_cpus_and_memory_to_that_node()
    {
        var numa = new Dictionary<string, NumaNodeInfo>
        {
            ["0"] = new() { Cores = [0, 1, 2, 3] },
            ["1"] = new() { Cores = [4, 5, 6, 7] },
        };
        var spec = ContainerSpecBuilder.Build(Task(t => t.TargetNumaNodeId = 1), Settings(), "n1", numa, []);
        Assert.Equal("4,5,6,7", spec.HostConfig!.CpusetCpus);
        Assert.Equal("1", spec.HostConfig.CpusetMems);
    }

    [Fact]
    public void A_NUMA_target_the_runner_does_not_know_pins_nothing()
    {
        var numa = new Dictionary<string, NumaNodeInfo> { ["0"] = new() { Cores = [0, 1] } };
        var unknown = ContainerSpecBuilder.Build(Task(t => t.TargetNumaNodeId = 3), Settings(), "n1", numa, []);
        var noTopology = ContainerSpecBuilder.Build(Task(t => t.TargetNumaNodeId = 0), Settings(), "n1", null, []);
        var noTarget = ContainerSpecBuilder.Build(Task(), Settings(), "n1", numa, []);
        Assert.All([unknown, noTopology, noTarget], s =>
        {
            Assert.Null(s.HostConfig!.CpusetCpus);
            Assert.Null(s.HostConfig.CpusetMems);
        });
    }

    [Fact]
    public void GPUs_become_one_nvidia_device_request_with_their_ids()
    {
        var spec = ContainerSpecBuilder.Build(Task(t => t.RequiredGpus = [2, 0]), Settings(), "n1", null, []);
        var dr = Assert.Single(spec.HostConfig!.DeviceRequests!);
        Assert.Equal("nvidia", dr.Driver);
        Assert.Equal(["2", "0"], dr.DeviceIDs!);
        Assert.Null(dr.Count);
        Assert.Equal(["gpu"], Assert.Single(dr.Capabilities!));
    }

    [Fact]
    public void No_GPUs_no_device_requests()
    {
        Assert.Null(ContainerSpecBuilder.Build(Task(t => t.RequiredGpus = []), Settings(), "n1", null, []).HostConfig!.DeviceRequests);
        Assert.Null(ContainerSpecBuilder.Build(Task(), Settings(), "n1", null, []).HostConfig!.DeviceRequests);
    }

    [Fact]
    public void Privileged_is_set_only_when_asked()
    {
        Assert.True(ContainerSpecBuilder.Build(Task(t => t.Privileged = true), Settings(), "n1", null, []).HostConfig!.Privileged);
        Assert.Null(ContainerSpecBuilder.Build(Task(), Settings(), "n1", null, []).HostConfig!.Privileged);
    }

    [Fact]
    public void The_image_is_the_named_image_then_the_resolved_environment_image_then_the_environment()
    {
        Assert.Equal("kohakuriver/busybox:base", ContainerSpecBuilder.Build(Task(), Settings(), "n1", null, []).Image);
        Assert.Equal("kohakuriver/torch:base", ContainerSpecBuilder.Build(Task(t => t.Environment = "torch"), Settings(), "n1", null, []).Image);
        Assert.Equal("alpine:3", ContainerSpecBuilder.Build(Task(t => { t.Image = "alpine:3"; t.Environment = "torch"; }), Settings(), "n1", null, []).Image);
        // A named image wins; otherwise the image the runner resolved for the environment.
        Assert.Equal("alpine:3", ContainerSpecBuilder.Build(Task(t => { t.DockerImageName = "x/y:z"; t.Image = "alpine:3"; }), Settings(), "n1", null, []).Image);
        Assert.Equal("x/y:z", ContainerSpecBuilder.Build(Task(t => { t.DockerImageName = "x/y:z"; t.Environment = "torch"; }), Settings(), "n1", null, []).Image);
    }

    [Fact]
    public void Output_is_attached_and_no_tty()
    {
        var spec = ContainerSpecBuilder.Build(Task(), Settings(), "n1", null, []);
        Assert.True(spec.AttachStdout);
        Assert.True(spec.AttachStderr);
        Assert.False(spec.AttachStdin);
        Assert.False(spec.Tty);
    }
}
