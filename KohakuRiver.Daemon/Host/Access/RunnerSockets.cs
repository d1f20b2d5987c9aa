using System.Net;
using System.Net.WebSockets;
using KohakuRiver.Core.Client;
using KohakuRiver.Daemon.Configuration;

namespace KohakuRiver.Daemon.Host.Access;

/// <summary>The host's WebSockets to runners, authenticated with the cluster token.</summary>
public sealed class RunnerSockets(DaemonSettings settings)
{
    /// <summary>How long the host waits for a runner to take a WebSocket.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens <paramref name="pathAndQuery"/> on the runner at <paramref name="runnerUrl"/>. A refusal before the upgrade
    /// is a <see cref="HostException"/> carrying the runner's own detail (its 400, 404 and 409 keep their meaning;
    /// anything else, or no answer, is Unavailable), so the client gets a plain HTTP answer instead of an accepted socket.
    /// </summary>
    public async Task<ClientWebSocket> ConnectAsync(string runnerUrl, string pathAndQuery, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            return await BearerSocket.ConnectAsync(BearerSocket.UriFor(new Uri(runnerUrl), pathAndQuery), settings.ClusterToken!,
                "a relay to the runner", bufferSize: null, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw HostException.Unavailable($"runner at {runnerUrl} did not take the socket within {ConnectTimeout.TotalSeconds:0} s");
        }
        catch (RiverApiException e)
        {
            throw e.StatusCode switch
            {
                HttpStatusCode.NotFound => HostException.NotFound(e.Detail),
                HttpStatusCode.Conflict => HostException.Conflict(e.Detail),
                HttpStatusCode.BadRequest => HostException.Invalid(e.Detail),
                null => HostException.Unavailable($"runner at {runnerUrl} unreachable: {e.Detail}"),
                _ => HostException.Unavailable($"runner at {runnerUrl} refused the socket ({(int)e.StatusCode}): {e.Detail}"),
            };
        }
    }
}
