using System.Net;
using System.Net.WebSockets;
using KohakuRiver.Daemon.Configuration;

namespace KohakuRiver.Daemon.Host.Access;

/// <summary>The host's WebSockets to runners, authenticated with the cluster token.</summary>
public sealed class RunnerSockets(DaemonSettings settings)
{
    /// <summary>How long the host waits for a runner to take a WebSocket.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens <paramref name="pathAndQuery"/> on the runner at <paramref name="runnerUrl"/>. A refusal before the upgrade
    /// is a <see cref="HostException"/> carrying the runner's own detail (its 404 and 409 keep their meaning; anything
    /// else, or no answer, is Unavailable), so the client gets a plain HTTP answer instead of an accepted socket.
    /// </summary>
    public async Task<ClientWebSocket> ConnectAsync(string runnerUrl, string pathAndQuery, CancellationToken ct)
    {
        var uri = new UriBuilder(new Uri(new Uri(runnerUrl.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/')))
        {
            Scheme = runnerUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? "wss" : "ws",
        }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + settings.ClusterToken);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(uri, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            var status = socket.HttpStatusCode;
            var refusal = status switch
            {
                HttpStatusCode.NotFound => HostException.NotFound(RunnerDetail(socket, runnerUrl, status)),
                HttpStatusCode.Conflict => HostException.Conflict(RunnerDetail(socket, runnerUrl, status)),
                HttpStatusCode.BadRequest => HostException.Invalid(RunnerDetail(socket, runnerUrl, status)),
                0 => HostException.Unavailable($"runner at {runnerUrl} unreachable: {e.Message}"),
                _ => HostException.Unavailable(RunnerDetail(socket, runnerUrl, status)),
            };
            socket.Dispose();
            throw refusal;
        }
    }

    // ClientWebSocket keeps a refused upgrade's status and headers but not its body: the runner repeats its detail in
    // a header (ApiPipeline.DetailHeader).
    private static string RunnerDetail(ClientWebSocket socket, string runnerUrl, HttpStatusCode status) =>
        socket.HttpResponseHeaders?.TryGetValue(Web.ApiPipeline.DetailHeader, out var detail) == true && detail.FirstOrDefault() is { Length: > 0 } d
            ? d
            : $"runner at {runnerUrl} refused the connection ({(int)status})";
}
