using System.Collections.ObjectModel;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.Submission;

/// <summary>
/// Turns checked submissions into task records: one per target of a task request, one for a VPS. Ids, statuses and
/// log paths are the state's to give when it accepts them; memory may stay null until the nodes' sizes are known.
/// </summary>
public sealed class SubmissionBuilder(DaemonSettings settings)
{
    private readonly SubmissionValidator _validator = new(settings);

    /// <summary>The tasks of one request, each with the label that prefixes its errors (a batch's <c>tasks[3]: </c>).
    /// <paramref name="names"/>, kept for one batch, lets its tasks share one copy of each environment and image name.</summary>
    public IEnumerable<(TaskRecord Task, string Label)> Commands(SubmitRequest request, string label, Dictionary<string, string>? names = null)
    {
        var container = _validator.CheckTask(request, label);

        var targets = new List<TargetSpec?>();
        if (request.Targets is { Count: > 0 })
        {
            foreach (var text in request.Targets)
            {
                if (!TargetSpec.TryParse(text, out var spec, out var error)) throw HostException.Invalid(label + error);
                targets.Add(spec);
            }
        }
        else
        {
            targets.Add(null);
        }
        SubmissionValidator.CheckGpuCountAgainstTargets(label, request.RequiredGpuCount, targets);
        if (request.RequiredGpus is { Count: > 0 } gpuLists && gpuLists.Count != targets.Count)
            throw HostException.Invalid($"{label}required_gpus has {gpuLists.Count} lists for {targets.Count} targets; give one per target");

        // A sweep's thousands of tasks name the same few environments and images: each queued task points at one
        // copy per batch instead of its own (the queue is held in memory until the tasks run). Per batch, not
        // process-wide: names come from requests, and a process-wide pool would keep every one ever sent.
        var environment = Shared(settings.EnvironmentFor(request.RegistryImage, request.ContainerName), names);
        var image = Shared(request.RegistryImage ?? EnvironmentNames.ImageName(environment!), names);
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            var gpus = target?.GpuIds?.ToList() ?? (request.RequiredGpus is { Count: > 0 } lists ? lists[i] : null);
            yield return (new TaskRecord
            {
                Kind = TaskKind.Command,
                Name = request.Name,
                Command = request.Command,
                Arguments = request.Arguments is { Count: > 0 } arguments ? arguments : [],
                EnvVars = request.EnvVars is { Count: > 0 } variables ? variables : ReadOnlyDictionary<string, string>.Empty,
                Parameters = request.Parameters is { Count: > 0 } parameters ? parameters : ReadOnlyDictionary<string, string>.Empty,
                RequiredCores = container.Cores,
                RequiredMemoryBytes = container.MemoryBytes,
                PidsLimit = container.PidsLimit,
                RequiredGpus = gpus is { Count: > 0 } ? gpus : null,
                RequiredGpuCount = request.RequiredGpuCount,
                TargetHostname = target?.NodeName,
                TargetNumaNodeId = target?.NumaNodeId,
                Environment = environment,
                Image = request.RegistryImage is null ? null : image,
                DockerImageName = image,
                Privileged = request.Privileged ?? false,
                AdditionalMounts = container.Mounts is { Count: > 0 } mounts ? mounts : [],
            }, label);
        }
    }

    private static string? Shared(string? text, Dictionary<string, string>? names)
    {
        if (text is null || names is null) return text;
        if (names.TryGetValue(text, out var shared)) return shared;
        names[text] = text;
        return text;
    }

    /// <summary>The VPS a request asks for. The caller has checked the key mode and made or read the public key.</summary>
    public TaskRecord Vps(VpsCreateRequest request, SshKeyMode keyMode, string? publicKey)
    {
        var container = _validator.CheckVps(request);
        var environment = settings.EnvironmentFor(request.RegistryImage, request.ContainerName);
        return new TaskRecord
        {
            Kind = TaskKind.Vps,
            Name = request.Name,
            Command = "sshd",
            RequiredCores = container.Cores,
            RequiredMemoryBytes = container.MemoryBytes,
            PidsLimit = container.PidsLimit,
            RequiredGpus = request.RequiredGpus is { Count: > 0 } gpus ? gpus : null,
            RequiredGpuCount = request.RequiredGpuCount,
            TargetHostname = request.TargetHostname,
            TargetNumaNodeId = request.TargetNumaNodeId,
            Environment = environment,
            Image = request.RegistryImage,
            DockerImageName = request.RegistryImage ?? EnvironmentNames.ImageName(environment!),
            AdditionalMounts = container.Mounts,
            KeyMode = keyMode,
            SshPublicKey = publicKey,
        };
    }
}
