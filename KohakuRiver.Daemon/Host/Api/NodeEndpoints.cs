using System.Globalization;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Telemetry;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Host.Api;

/// <summary>Runner-facing endpoints (cluster token) and the node/health views (API token).</summary>
public static class NodeEndpoints
{
    /// <summary>Paths that runners call; they take the cluster token, everything else the API token.</summary>
    public static bool IsRunnerFacing(PathString path) =>
        path.StartsWithSegments("/api/register") || path.StartsWithSegments("/api/heartbeat") || path.StartsWithSegments("/api/update");

    public static void MapNodeEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapPost("/register", async (HttpRequest req, ClusterState state) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.RegisterRequest);
            WireChecks.Registration(body);
            state.Register(body);
            return ApiPipeline.Json(new MessageResponse { Message = $"node {body.Hostname} registered" }, RiverJsonContext.Default.MessageResponse);
        });

        api.MapPut("/heartbeat/{hostname}", async (string hostname, HttpRequest req, ClusterState state) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.HeartbeatRequest);
            WireChecks.Heartbeat(body);
            var kill = state.Heartbeat(hostname, body);
            return ApiPipeline.Json(new HeartbeatResponse { Message = "ok", KillTasks = kill }, RiverJsonContext.Default.HeartbeatResponse);
        });

        api.MapPost("/update", async (HttpRequest req, ClusterState state) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.TaskUpdateRequest);
            WireChecks.Update(body);
            return state.ApplyUpdate(body) switch
            {
                UpdateOutcome.Unknown => throw ApiException.NotFound($"task {body.TaskId} not found"),
                UpdateOutcome.Ignored => ApiPipeline.Json(new MessageResponse { Message = "ignored: stale or duplicate update" }, RiverJsonContext.Default.MessageResponse),
                _ => ApiPipeline.Json(new MessageResponse { Message = "updated" }, RiverJsonContext.Default.MessageResponse),
            };
        });

        api.MapGet("/nodes", (ClusterState state) => ApiPipeline.Json(state.Nodes(), RiverJsonContext.Default.ListRiverNode));
        api.MapGet("/nodes/{hostname}/history", (string hostname, HttpRequest req, ClusterState state) =>
        {
            if (!TargetSpec.IsValidNodeName(hostname)) throw ApiException.BadRequest($"'{ShownText.Of(hostname)}' is not a valid node name");
            var since = SinceQuery(req.Query);
            var last = LastQuery(req.Query);
            return ApiPipeline.Json(state.History(hostname, since, last), RiverJsonContext.Default.NodeHistory);
        });
        api.MapGet("/health", (ClusterState state) => ApiPipeline.Json(state.Health(), RiverJsonContext.Default.ClusterHealth));
    }

    /// <summary>Longest <c>since</c> accepted: an ISO 8601 time with fractions and an offset is about 35 characters.</summary>
    private const int MaxSinceLength = 64;

    private static DateTimeOffset? SinceQuery(IQueryCollection q)
    {
        if (!q.TryGetValue("since", out var values) || string.IsNullOrEmpty(values)) return null;
        var text = values.ToString();
        if (values.Count == 1 && text.Length <= MaxSinceLength &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var since))
            return since;
        throw ApiException.BadRequest($"since '{ShownText.Of(text, MaxSinceLength)}' is not an ISO 8601 time " +
                                      "such as 2024-06-01T08:00:00Z (URL-encode a '+' in an offset)");
    }

    private static int? LastQuery(IQueryCollection q)
    {
        if (!q.TryGetValue("last", out var values) || string.IsNullOrEmpty(values)) return null;
        var text = values.ToString();
        return values.Count == 1 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= TelemetryHistory.MaxCapacity
            ? n
            : throw ApiException.BadRequest($"last '{ShownText.Of(text, 16)}' must be a whole number from 1 to {TelemetryHistory.MaxCapacity}");
    }
}
