using System.Globalization;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Terminals;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

/// <summary>Getting into what runs: terminals in a task's, VPS's or environment's container, and one-shot commands.</summary>
public sealed partial class RiverClient
{
    /// <summary>
    /// Opens a terminal in a running task's or VPS's container (<c>/ws/task/{id}/terminal</c>): <paramref name="command"/>
    /// is a shell command line (run with /bin/sh -c) instead of the default login shell. The host checks the id and the
    /// task's state before the upgrade; a refusal is a <see cref="RiverApiException"/> with its status and detail.
    /// </summary>
    public Task<TerminalConnection> OpenTaskTerminalAsync(long taskId, string? command = null, TerminalSize? size = null, CancellationToken ct = default) =>
        TerminalConnection.ConnectAsync(
            TerminalConnection.BuildUri(BaseUri, "ws/task/" + taskId.ToString(CultureInfo.InvariantCulture) + "/terminal", command, size),
            Token, ct);

    /// <summary>Opens a terminal in an environment's container on the host (<c>/ws/docker/host/containers/{env}/terminal</c>).</summary>
    public Task<TerminalConnection> OpenEnvironmentTerminalAsync(string environment, string? command = null, TerminalSize? size = null, CancellationToken ct = default) =>
        TerminalConnection.ConnectAsync(
            TerminalConnection.BuildUri(BaseUri, "ws/docker/host/containers/" + Uri.EscapeDataString(EnvironmentNames.Validate(environment)) + "/terminal", command, size),
            Token, ct);

    /// <summary>Runs a one-shot command in a running task's or VPS's container and returns its exit code and output
    /// (POST /api/tasks/{id}/exec; the same request and answer as an environment's exec).</summary>
    public Task<EnvironmentExecResult> ExecTaskAsync(long taskId, EnvironmentExecRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/tasks/{taskId.ToString(CultureInfo.InvariantCulture)}/exec", request,
            RiverJsonContext.Default.EnvironmentExecRequest, RiverJsonContext.Default.EnvironmentExecResult, ct);

    /// <summary>The bearer token this client sends (sockets carry it in their own upgrade request).</summary>
    private string Token => _http.DefaultRequestHeaders.Authorization?.Parameter ?? "";
}
