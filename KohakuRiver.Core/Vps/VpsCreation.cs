using System.Net;
using System.Text.Json;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Vps;

/// <summary>Creating a VPS: the request New-RiverVps sends, and the call, with the host's refusals made readable.</summary>
public static class VpsCreation
{
    public const int MaxWaitSeconds = 300;

    public static VpsCreateRequest BuildRequest(VpsOptions options, VpsKeyPlan key)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        if (options.Cores is < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Cores, "cores must be 0 or more");
        if (options.MemoryBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBytes, "memory must be positive");
        if (options.WaitSeconds is < 0 or > MaxWaitSeconds)
            throw new ArgumentOutOfRangeException(nameof(options), options.WaitSeconds, $"the wait is 0 to {MaxWaitSeconds} seconds");
        var environment = string.IsNullOrWhiteSpace(options.Environment) ? null : EnvironmentNames.Validate(options.Environment.Trim());
        var target = string.IsNullOrWhiteSpace(options.Target) ? null : TargetSpec.Parse(options.Target);
        GpuCount.Check(options.Gpus, [options.Target]);
        return new VpsCreateRequest
        {
            Name = string.IsNullOrWhiteSpace(options.Name) ? null : options.Name.Trim(),
            RequiredCores = options.Cores,
            RequiredMemoryBytes = options.MemoryBytes,
            PidsLimit = options.PidsLimit,
            TargetHostname = target?.NodeName,
            TargetNumaNodeId = target?.NumaNodeId,
            RequiredGpus = target?.GpuIds is { Count: > 0 } gpus ? [.. gpus] : null,
            RequiredGpuCount = options.Gpus,
            ContainerName = environment,
            SshKeyMode = key.SshKeyMode,
            SshPublicKey = key.PublicKey,
            WaitSeconds = options.WaitSeconds,
        };
    }

    /// <summary>
    /// Creates the VPS. The host answers 422 with the task's state when the VPS was made but did not come up (its
    /// container failed): that becomes a <see cref="VpsCreationFailedException"/> naming the task and the reason.
    /// </summary>
    public static async Task<VpsCreateResponse> CreateAsync(RiverClient client, VpsCreateRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await client.NewVpsAsync(request, ct).ConfigureAwait(false);
        }
        catch (RiverApiException e) when (e.StatusCode == HttpStatusCode.UnprocessableEntity && TryReadCreated(e.ResponseBody ?? e.Detail) is { TaskId: > 0 } failed)
        {
            throw new VpsCreationFailedException(failed.TaskId,
                string.IsNullOrWhiteSpace(failed.Message) ? $"VPS {failed.TaskId} is {failed.Status.ToWire()}" : failed.Message, e);
        }
    }

    private static VpsCreateResponse? TryReadCreated(string detail)
    {
        try
        {
            return JsonSerializer.Deserialize(detail, RiverJsonContext.Default.VpsCreateResponse);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
