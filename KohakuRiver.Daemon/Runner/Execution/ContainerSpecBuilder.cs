using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>Turns a task into the Engine API's container specification. Pure, so every rule is tested directly.</summary>
public static class ContainerSpecBuilder
{
    /// <param name="mounts">The task's own mounts, checked and with their host paths resolved
    /// (<see cref="Security.MountSecurityPolicy"/>): they go in as typed bind mounts, so a source that vanished in
    /// between is an engine error, never a folder the engine creates.</param>
    public static ContainerSpec Build(TaskDto task, DaemonSettings settings, string nodeName, IReadOnlyDictionary<string, NumaNodeInfo>? numa,
        IReadOnlyList<MountSpec> mounts)
    {
        // With arguments the command is the executable and the arguments pass verbatim (exec form); a bare command
        // line runs under /bin/sh -c so that pipes and redirections work. Either way the image's ENTRYPOINT stays.
        List<string> cmd = task.Arguments.Count > 0 ? [task.Command, .. task.Arguments] : ["/bin/sh", "-c", task.Command];

        var env = new List<string>();
        foreach (var (k, v) in task.EnvVars) env.Add($"{k}={v}");
        env.Add($"KOHAKURIVER_TASK_ID={task.TaskId.ToString(CultureInfo.InvariantCulture)}");
        if (task.BatchId is { } batch) env.Add($"KOHAKURIVER_BATCH_ID={batch.ToString(CultureInfo.InvariantCulture)}");
        env.Add($"KOHAKURIVER_NODE={nodeName}");
        env.Add("KOHAKURIVER_SHARED_DIR=/shared");
        env.Add("KOHAKURIVER_LOCAL_TEMP_DIR=/local_temp");
        if (task.RequiredCores > 0) env.Add($"KOHAKURIVER_CORES={task.RequiredCores.ToString(CultureInfo.InvariantCulture)}");

        var binds = new List<string>
        {
            $"{Path.Combine(settings.SharedDir, "shared_data")}:/shared",
            $"{settings.LocalTempDir}:/local_temp",
        };
        foreach (var m in settings.ExtraMounts)
            if (MountSpec.TryParse(m, out var spec, out _)) binds.Add(spec!.ToBind());
        var memory = task.RequiredMemoryBytes ?? settings.DefaultMemoryBytes(task.RequiredCores);

        var host = new HostConfigSpec
        {
            Binds = binds,
            Mounts = mounts.Count > 0
                ? mounts.Select(m => new MountPointSpec { Type = "bind", Source = m.HostPath, Target = m.ContainerPath, ReadOnly = m.ReadOnly ? true : null }).ToList()
                : null,
            NetworkMode = settings.TaskNetwork,
            Privileged = task.Privileged ? true : null,
            NanoCpus = task.RequiredCores > 0 ? task.RequiredCores * 1_000_000_000L : null,
            Memory = memory,
            // Swap equal to the limit means no swap: a task over its memory is OOM-killed, not slowed to a crawl.
            MemorySwap = memory,
            // A fork bomb stops at its own limit instead of taking the node (and, standalone, the host) down.
            PidsLimit = task.PidsLimit ?? settings.DefaultPidsLimit,
        };
        if (task.TargetNumaNodeId is { } numaId && numa is not null &&
            numa.TryGetValue(numaId.ToString(CultureInfo.InvariantCulture), out var numaNode) && numaNode.Cores.Count > 0)
        {
            host.CpusetCpus = string.Join(",", numaNode.Cores);
            host.CpusetMems = numaId.ToString(CultureInfo.InvariantCulture);
        }
        if (task.RequiredGpus is { Count: > 0 } gpus)
        {
            host.DeviceRequests =
            [
                new DeviceRequestSpec
                {
                    Driver = "nvidia",
                    DeviceIDs = gpus.Select(g => g.ToString(CultureInfo.InvariantCulture)).ToList(),
                    Capabilities = [["gpu"]],
                },
            ];
        }

        var labels = new Dictionary<string, string>
        {
            [ContainerLabels.Managed] = "true",
            [ContainerLabels.Kind] = "task",
            [ContainerLabels.TaskId] = task.TaskId.ToString(CultureInfo.InvariantCulture),
            [ContainerLabels.Node] = nodeName,
        };
        if (task.BatchId is { } b) labels[ContainerLabels.BatchId] = b.ToString(CultureInfo.InvariantCulture);

        return new ContainerSpec
        {
            Image = task.Image ?? task.DockerImageName ?? Core.Environments.EnvironmentNames.ImageName(task.Environment ?? settings.DefaultEnvironment),
            Cmd = cmd,
            Env = env,
            WorkingDir = "/shared",
            Labels = labels,
            AttachStdout = true,
            AttachStderr = true,
            HostConfig = host,
        };
    }
}
