using System.Globalization;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

/// <summary>Environments: containers on the host, publishing, and published versions (under /api/docker).</summary>
public sealed partial class RiverClient
{
    public Task<List<EnvironmentContainer>> GetEnvironmentContainersAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "api/docker/host/containers", null, null, RiverJsonContext.Default.ListEnvironmentContainer, ct);

    public Task<EnvironmentContainer> NewEnvironmentAsync(string environment, string imageName, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/docker/host/create",
            new CreateEnvironmentRequest { Environment = environment, ImageName = imageName },
            RiverJsonContext.Default.CreateEnvironmentRequest, RiverJsonContext.Default.EnvironmentContainer, ct);

    public Task<MessageResponse> StartEnvironmentAsync(string environment, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/docker/host/start/{Uri.EscapeDataString(environment)}", null, null, RiverJsonContext.Default.MessageResponse, ct);

    public Task<MessageResponse> StopEnvironmentAsync(string environment, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/docker/host/stop/{Uri.EscapeDataString(environment)}", null, null, RiverJsonContext.Default.MessageResponse, ct);

    /// <summary>Deletes the environment's container on the host (its published tarballs stay).</summary>
    public Task<MessageResponse> RemoveEnvironmentContainerAsync(string environment, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/docker/host/delete/{Uri.EscapeDataString(environment)}", null, null, RiverJsonContext.Default.MessageResponse, ct);

    /// <summary>Runs a one-shot command in the environment container and returns its exit code and output.</summary>
    public Task<EnvironmentExecResult> InvokeEnvironmentCommandAsync(string environment, EnvironmentExecRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/docker/host/exec/{Uri.EscapeDataString(environment)}", request,
            RiverJsonContext.Default.EnvironmentExecRequest, RiverJsonContext.Default.EnvironmentExecResult, ct);

    public Task<PublishResult> PublishEnvironmentAsync(string environment, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/docker/create_tar/{Uri.EscapeDataString(environment)}", null, null, RiverJsonContext.Default.PublishResult, ct);

    /// <summary>Published versions, by environment name.</summary>
    public Task<Dictionary<string, EnvironmentTarballs>> GetPublishedEnvironmentsAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "api/docker/list", null, null, RiverJsonContext.Default.DictionaryStringEnvironmentTarballs, ct);

    /// <summary>Deletes one published version, or all of them when <paramref name="timestamp"/> is null.</summary>
    public Task<MessageResponse> RemovePublishedEnvironmentAsync(string environment, long? timestamp = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/docker/container/{Uri.EscapeDataString(environment)}" +
            (timestamp is { } t ? "?timestamp=" + t.ToString(CultureInfo.InvariantCulture) : ""), null, null, RiverJsonContext.Default.MessageResponse, ct);
}
