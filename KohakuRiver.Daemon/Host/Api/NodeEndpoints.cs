using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.State;
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
        api.MapGet("/health", (ClusterState state) => ApiPipeline.Json(state.Health(), RiverJsonContext.Default.ClusterHealth));
    }
}
