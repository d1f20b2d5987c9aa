using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

/// <summary>VPS: long-lived containers reached over SSH through the host's proxy.</summary>
public sealed partial class RiverClient
{
    public Task<VpsCreateResponse> NewVpsAsync(VpsCreateRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/vps/create", request, RiverJsonContext.Default.VpsCreateRequest, RiverJsonContext.Default.VpsCreateResponse, ct);

    /// <summary>All VPS tasks (newest first), or only the active ones.</summary>
    public async Task<List<RiverTask>> GetVpsAsync(bool activeOnly = false, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Get, activeOnly ? "api/vps/status" : "api/vps", null, null, RiverJsonContext.Default.ListTaskDto, ct)
            .ConfigureAwait(false)).ToRiverTasks();

    public Task<MessageResponse> StopVpsAsync(long taskId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/vps/stop/{taskId}", null, null, RiverJsonContext.Default.MessageResponse, ct);

    /// <summary>Restarts the VPS container (same key, same authentication); answers with the new SSH port.</summary>
    public Task<VpsRestartResponse> RestartVpsAsync(long taskId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/vps/restart/{taskId}", null, null, RiverJsonContext.Default.VpsRestartResponse, ct);
}
