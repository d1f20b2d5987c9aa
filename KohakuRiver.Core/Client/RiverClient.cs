using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

/// <summary>
/// Typed client of the host API (and, with the cluster token, of its runner-facing part). One instance per
/// cluster connection: it owns one HttpClient, safe for concurrent use.
/// </summary>
public sealed partial class RiverClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    public RiverClient(Uri baseUri, string token, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException("a bearer token is required", nameof(token));
        handler ??= new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            MaxConnectionsPerServer = 64,
        };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = new Uri(baseUri.ToString().TrimEnd('/') + "/"),
            // Calls carry their own cancellation; long polls must not be cut by a global timeout.
            Timeout = timeout ?? Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _ownsHttp = true;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    // ---- client-facing ----

    public Task<SubmitResponse> SubmitAsync(SubmitRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/submit", request, RiverJsonContext.Default.SubmitRequest, RiverJsonContext.Default.SubmitResponse, ct);

    /// <summary>Many task specifications in one call, accepted together as one batch or refused together.</summary>
    public Task<SubmitResponse> SubmitBatchAsync(BatchSubmitRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/batches", request, RiverJsonContext.Default.BatchSubmitRequest, RiverJsonContext.Default.SubmitResponse, ct);

    public async Task<RiverTask> GetTaskAsync(long taskId, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Get, $"api/status/{taskId}", null, null, RiverJsonContext.Default.TaskDto, ct).ConfigureAwait(false)).ToRiverTask();

    public async Task<List<RiverTask>> ListTasksAsync(TaskQuery? query = null, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Get, "api/tasks" + ToQueryString(query ?? new TaskQuery()), null, null, RiverJsonContext.Default.ListTaskDto, ct)
            .ConfigureAwait(false)).ToRiverTasks();

    /// <summary>Every task matching the query, fetched page by page as the caller consumes them.</summary>
    public async IAsyncEnumerable<RiverTask> EnumerateTasksAsync(TaskQuery? query = null, int? maxCount = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var q = query ?? new TaskQuery();
        var pageSize = Math.Clamp(q.Limit <= 0 ? 500 : q.Limit, 1, 1000);
        var offset = q.Offset;
        var yielded = 0;
        while (true)
        {
            var take = maxCount is { } m ? Math.Min(pageSize, m - yielded) : pageSize;
            if (take <= 0) yield break;
            var page = await ListTasksAsync(new TaskQuery { Status = q.Status, NodeName = q.NodeName, BatchId = q.BatchId, Limit = take, Offset = offset }, ct).ConfigureAwait(false);
            foreach (var t in page)
            {
                yield return t;
                yielded++;
            }
            if (page.Count < take) yield break;
            offset += page.Count;
        }
    }

    /// <summary>Long-polls until the task is final or <paramref name="timeout"/> passes; returns the task as it then is.</summary>
    public async Task<RiverTask> WaitTaskAsync(long taskId, TimeSpan timeout, CancellationToken ct = default)
    {
        var seconds = Math.Clamp(timeout.TotalSeconds, 0, 300).ToString("0.###", CultureInfo.InvariantCulture);
        return (await SendAsync(HttpMethod.Get, $"api/tasks/{taskId}/wait?timeout={seconds}", null, null, RiverJsonContext.Default.TaskDto, ct)
            .ConfigureAwait(false)).ToRiverTask();
    }

    /// <summary>
    /// Long-polls until every task (or, with <paramref name="any"/>, at least one) is final, or the timeout passes;
    /// returns all the named tasks as they then are. The host caps one call at 300 s: callers loop for longer waits.
    /// </summary>
    public async Task<List<RiverTask>> WaitTasksAsync(IReadOnlyCollection<long> taskIds, bool any, TimeSpan timeout, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Post, "api/tasks/wait",
            new WaitRequest { TaskIds = [.. taskIds], Any = any, TimeoutSeconds = Math.Clamp(timeout.TotalSeconds, 0, 300) },
            RiverJsonContext.Default.WaitRequest, RiverJsonContext.Default.ListTaskDto, ct).ConfigureAwait(false)).ToRiverTasks();

    public Task<MessageResponse> KillAsync(long taskId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/kill/{taskId}", null, null, RiverJsonContext.Default.MessageResponse, ct);

    public Task<MessageResponse> PauseAsync(long taskId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/command/{taskId}/pause", null, null, RiverJsonContext.Default.MessageResponse, ct);

    public Task<MessageResponse> ResumeAsync(long taskId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/command/{taskId}/resume", null, null, RiverJsonContext.Default.MessageResponse, ct);

    /// <summary>The last <paramref name="lines"/> lines of a task's stdout or stderr (all of it when null).</summary>
    public async Task<string> GetOutputAsync(long taskId, TaskOutputStream stream, int? lines = null, CancellationToken ct = default)
    {
        await using var s = await OpenOutputAsync(taskId, stream, lines, null, ct).ConfigureAwait(false);
        using var reader = new StreamReader(s.Content, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a task's output as a stream: the tail of <paramref name="lines"/> lines, or everything from byte
    /// <paramref name="offset"/>. <see cref="TaskOutput.NextOffset"/> says where to continue when following.
    /// </summary>
    public async Task<TaskOutput> OpenOutputAsync(long taskId, TaskOutputStream stream, int? lines, long? offset, CancellationToken ct = default)
    {
        var path = $"api/tasks/{taskId}/{(stream == TaskOutputStream.Stdout ? "stdout" : "stderr")}";
        var query = new List<string>();
        if (lines is { } n) query.Add("lines=" + n.ToString(CultureInfo.InvariantCulture));
        if (offset is { } o) query.Add("offset=" + o.ToString(CultureInfo.InvariantCulture));
        if (query.Count > 0) path += "?" + string.Join("&", query);
        var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        long? next = response.Headers.TryGetValues("X-Next-Offset", out var values) &&
                     long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        return new TaskOutput(response, await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), next);
    }

    public Task<List<RiverNode>> GetNodesAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "api/nodes", null, null, RiverJsonContext.Default.ListRiverNode, ct);

    /// <summary>What the node's heartbeats said over the host's history window (an hour by default), oldest first: the
    /// samples taken at or after <paramref name="since"/>, the newest <paramref name="last"/> of them when given.</summary>
    public Task<NodeHistory> GetNodeHistoryAsync(string nodeName, DateTimeOffset? since = null, int? last = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        var query = new List<string>();
        if (since is { } s) query.Add("since=" + Uri.EscapeDataString(s.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        if (last is { } n) query.Add("last=" + n.ToString(CultureInfo.InvariantCulture));
        var path = $"api/nodes/{Uri.EscapeDataString(nodeName)}/history" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
        return SendAsync(HttpMethod.Get, path, null, null, RiverJsonContext.Default.NodeHistory, ct);
    }

    public Task<ClusterHealth> GetHealthAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "api/health", null, null, RiverJsonContext.Default.ClusterHealth, ct);

    // ---- runner-facing (cluster token) ----

    public Task<MessageResponse> RegisterAsync(RegisterRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/register", request, RiverJsonContext.Default.RegisterRequest, RiverJsonContext.Default.MessageResponse, ct);

    public Task<HeartbeatResponse> HeartbeatAsync(string hostname, HeartbeatRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/heartbeat/{Uri.EscapeDataString(hostname)}", request, RiverJsonContext.Default.HeartbeatRequest, RiverJsonContext.Default.HeartbeatResponse, ct);

    public Task<MessageResponse> UpdateTaskAsync(TaskUpdateRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/update", request, RiverJsonContext.Default.TaskUpdateRequest, RiverJsonContext.Default.MessageResponse, ct);

    // ---- plumbing ----

    internal static string ToQueryString(TaskQuery q)
    {
        var parts = new List<string>
        {
            "limit=" + q.Limit.ToString(CultureInfo.InvariantCulture),
            "offset=" + q.Offset.ToString(CultureInfo.InvariantCulture),
        };
        if (q.Status is { } s) parts.Add("status=" + s.ToWire());
        if (!string.IsNullOrEmpty(q.NodeName)) parts.Add("node=" + Uri.EscapeDataString(q.NodeName));
        if (q.BatchId is { } b) parts.Add("batch_id=" + b.ToString(CultureInfo.InvariantCulture));
        return "?" + string.Join("&", parts);
    }

    private async Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest? body,
        JsonTypeInfo<TRequest>? requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path);
        string? summary = null;
        if (body is not null && requestInfo is not null)
        {
            // Sized, so the host can judge the length before reading; a large body first asks whether it is wanted
            // (Expect: 100-continue), so an over-limit one is answered with the host's 413 instead of a cut connection.
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body, requestInfo);
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            if (bytes.Length > RequestLimits.MaxBodyBytes) request.Headers.ExpectContinue = true;
            if (RiverCallTrace.Current is not null) summary = Summarize(body, bytes.Length);
        }
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, ct, summary).ConfigureAwait(false);
        try
        {
            var result = await response.Content.ReadFromJsonAsync(responseInfo, ct).ConfigureAwait(false);
            return result ?? throw new RiverApiException(response.StatusCode, "the host answered with an empty body");
        }
        catch (JsonException e)
        {
            throw new RiverApiException(response.StatusCode, $"the host's answer could not be read: {e.Message}", e);
        }
    }

    private Task<TResponse> SendAsync<TResponse>(HttpMethod method, string path, object? _, object? __,
        JsonTypeInfo<TResponse> responseInfo, CancellationToken ct) =>
        SendAsync<object, TResponse>(method, path, null, null, responseInfo, ct);

    /// <summary>What a trace says about a body: how many items it carries, where that means something, and its size.</summary>
    private static string Summarize(object body, int bytes)
    {
        var size = RiverCallTrace.FormatSize(bytes);
        return body switch
        {
            BatchSubmitRequest b => $"{b.Tasks.Count} task(s), {size}",
            SubmitRequest s => $"{Math.Max(1, s.Targets?.Count ?? 0)} task(s), {size}",
            WaitRequest w => $"{w.TaskIds.Count} task id(s), {size}",
            _ => size,
        };
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct,
        string? bodySummary = null)
    {
        var trace = RiverCallTrace.Current;
        string? call = null;
        long started = 0;
        if (trace is not null)
        {
            call = $"{request.Method} {new Uri(_http.BaseAddress!, request.RequestUri!)}";
            trace.Add(bodySummary is null ? call : $"{call} ({bodySummary})");
            started = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            trace?.Add($"{call}: no answer ({e.Message})");
            throw new RiverApiException(null, $"cannot reach the host at {BaseUri}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            trace?.Add($"{call}: no answer in time");
            throw new RiverApiException(null, $"the host at {BaseUri} did not answer in time", e);
        }
        if (trace is not null)
        {
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            trace.Add(FormattableString.Invariant($"{call}: {(int)response.StatusCode} {response.ReasonPhrase} in {ms:0} ms"));
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var (detail, body) = await ReadDetailAsync(response, ct).ConfigureAwait(false);
            throw new RiverApiException(response.StatusCode, detail, responseBody: body);
        }
    }

    private static async Task<(string Detail, string? Body)> ReadDetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return (response.ReasonPhrase ?? "no detail", null);
        }
        try
        {
            var error = JsonSerializer.Deserialize(text, RiverJsonContext.Default.ErrorResponse);
            if (!string.IsNullOrEmpty(error?.Detail)) return (error.Detail, text);
        }
        catch (JsonException)
        {
        }
        return (string.IsNullOrWhiteSpace(text) ? response.ReasonPhrase ?? "no detail" : text.Trim(), text);
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
