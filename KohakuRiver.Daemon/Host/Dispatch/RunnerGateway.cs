using System.Net.Http.Headers;
using System.Text.Json;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Metrics;

namespace KohakuRiver.Daemon.Host.Dispatch;

/// <summary>The host's calls to runners, authenticated with the cluster token. Each failed call is counted by its
/// operation in <see cref="HostMetrics"/> (when given one).</summary>
public sealed class RunnerGateway : IDisposable
{
    /// <summary>How long an ordinary call to a runner may take.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly HostMetrics? _metrics;

    public RunnerGateway(DaemonSettings settings, HostMetrics? metrics = null)
    {
        _metrics = metrics;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        {
            // Each call sets its own limit (CallTimeout, or a command's own time for exec).
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ClusterToken);
    }

    public Task ExecuteAsync(string runnerUrl, TaskDto task, CancellationToken ct) =>
        PostAsync(runnerUrl, "execute", "api/execute", JsonContent.Create(task, RiverJsonContext.Default.TaskDto), ct);

    public Task KillAsync(string runnerUrl, long taskId, string? containerName, CancellationToken ct) =>
        PostAsync(runnerUrl, "kill", "api/kill", Command(taskId, containerName), ct);

    public Task PauseAsync(string runnerUrl, long taskId, string? containerName, CancellationToken ct) =>
        PostAsync(runnerUrl, "pause", "api/pause", Command(taskId, containerName), ct);

    public Task ResumeAsync(string runnerUrl, long taskId, string? containerName, CancellationToken ct) =>
        PostAsync(runnerUrl, "resume", "api/resume", Command(taskId, containerName), ct);

    public Task StopVpsAsync(string runnerUrl, long taskId, CancellationToken ct) =>
        PostAsync(runnerUrl, "vps_stop", $"api/vps/stop/{taskId}", Command(taskId, null), ct);

    public async Task<VpsRestartResponse> RestartVpsAsync(string runnerUrl, long taskId, CancellationToken ct)
    {
        var body = await PostForBodyAsync(runnerUrl, "vps_restart", $"api/vps/restart/{taskId}", Command(taskId, null), ct);
        return JsonSerializer.Deserialize(body, RiverJsonContext.Default.VpsRestartResponse) ?? new VpsRestartResponse();
    }

    /// <summary>Runs a command in a running task's container (POST /api/tasks/{id}/exec on the runner), waiting for it as
    /// long as its own timeout allows, and a margin more.</summary>
    public async Task<EnvironmentExecResult> ExecAsync(string runnerUrl, long taskId, EnvironmentExecRequest request, TimeSpan commandTimeout, CancellationToken ct)
    {
        var body = await PostForBodyAsync(runnerUrl, "exec", $"api/tasks/{taskId}/exec",
            JsonContent.Create(request, RiverJsonContext.Default.EnvironmentExecRequest), ct, commandTimeout + CallTimeout);
        return JsonSerializer.Deserialize(body, RiverJsonContext.Default.EnvironmentExecResult)
               ?? throw new RunnerCallException(null, $"runner at {runnerUrl} answered the command with an empty body");
    }

    private static JsonContent Command(long taskId, string? containerName) =>
        JsonContent.Create(new RunnerTaskCommand { TaskId = taskId, ContainerName = containerName }, RiverJsonContext.Default.RunnerTaskCommand);

    private async Task PostAsync(string runnerUrl, string operation, string path, HttpContent content, CancellationToken ct) =>
        await PostForBodyAsync(runnerUrl, operation, path, content, ct);

    /// <param name="operation">The call's name in the failure counter (one of <see cref="HostMetrics.RunnerOperations"/>).</param>
    private async Task<string> PostForBodyAsync(string runnerUrl, string operation, string path, HttpContent content, CancellationToken ct,
        TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout ?? CallTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(runnerUrl.TrimEnd('/') + "/" + path, content, limit.Token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _metrics?.RunnerCallFailed(operation, unreachable: true);
            throw new RunnerCallException(null, $"runner at {runnerUrl} unreachable: {e.Message}");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            if (response.IsSuccessStatusCode) return body;
            string detail;
            try
            {
                detail = JsonSerializer.Deserialize(body, RiverJsonContext.Default.ErrorResponse)?.Detail ?? body;
            }
            catch (JsonException)
            {
                detail = body;
            }
            _metrics?.RunnerCallFailed(operation, unreachable: false);
            throw new RunnerCallException((int)response.StatusCode, $"runner at {runnerUrl} answered {(int)response.StatusCode}: {detail}", detail);
        }
    }

    public void Dispose() => _http.Dispose();
}
