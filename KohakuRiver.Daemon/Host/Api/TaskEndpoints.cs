using System.Diagnostics;
using System.Globalization;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Resilience;
using KohakuRiver.Daemon.Host.Background;
using KohakuRiver.Daemon.Host.Dispatch;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Environments;
using KohakuRiver.Daemon.Host.Logs;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Daemon.Web;
using Microsoft.AspNetCore.Mvc;

namespace KohakuRiver.Daemon.Host.Api;

/// <summary>Client-facing task endpoints (API token): submit, query, wait, control, output.</summary>
public static class TaskEndpoints
{
    public static void MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapPost("/submit", async (HttpRequest req, ClusterState state, EnvironmentService envs, DaemonSettings settings, HostMetrics metrics) =>
        {
            var clock = Stopwatch.StartNew();
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.SubmitRequest);
            await CheckEnvironmentsAsync([body], envs, settings, req.HttpContext.RequestAborted);
            var accepted = state.Submit([body]);
            metrics.SubmissionAccepted(accepted.TaskIds.Count, clock.Elapsed);
            return ApiPipeline.Json(accepted, RiverJsonContext.Default.SubmitResponse, 202);
        });

        api.MapPost("/batches", async (HttpContext ctx, ClusterState state, EnvironmentService envs, DaemonSettings settings, HostMetrics metrics) =>
        {
            var clock = Stopwatch.StartNew();
            var body = await ctx.Request.ReadJsonAsync(RiverJsonContext.Default.BatchSubmitRequest);
            if (body.Tasks is null || body.Tasks.Any(t => t is null)) throw ApiException.BadRequest("tasks must be a list of task specifications, without nulls");
            await CheckEnvironmentsAsync(body.Tasks, envs, settings, ctx.RequestAborted);
            var accepted = state.Submit(body.Tasks);
            metrics.SubmissionAccepted(accepted.TaskIds.Count, clock.Elapsed);
            LargeRequestMemory.CompactAfter(ctx.Response, accepted.TaskIds.Count);
            return ApiPipeline.Json(accepted, RiverJsonContext.Default.SubmitResponse, 202);
        }).WithMetadata(new RequestSizeLimitAttribute(RequestLimits.MaxBatchBodyBytes));

        api.MapGet("/status/{id}", (string id, ClusterState state) =>
            ApiPipeline.Json((state.GetTask(ApiPipeline.ParseId(id)) ?? throw ApiException.NotFound($"task {id} not found")).ToWire(), RiverJsonContext.Default.TaskDto));

        api.MapGet("/tasks", (HttpRequest req, HostStore store) =>
        {
            var q = req.Query;
            RiverTaskStatus? status = null;
            if (q.TryGetValue("status", out var s) && !string.IsNullOrEmpty(s))
                status = TaskStatusNames.TryParse(s, out var parsed) ? parsed
                    : throw ApiException.BadRequest($"status '{s}' is not a task status; expected one of: {string.Join(", ", TaskStatusNames.AllWireNames)}");
            var node = q.TryGetValue("node", out var n) && !string.IsNullOrEmpty(n) ? n.ToString() : null;
            long? batch = q.TryGetValue("batch_id", out var b) && !string.IsNullOrEmpty(b) ? ApiPipeline.ParseId(b!, "batch_id") : null;
            var limit = IntQuery(q, "limit", 100, 1, 1000);
            var offset = IntQuery(q, "offset", 0, 0, int.MaxValue);
            return ApiPipeline.JsonArray(store.EnumerateTasks(status, node, batch, limit, offset).Select(t => t.ToWire()), RiverJsonContext.Default.TaskDto);
        });

        api.MapGet("/tasks/{id}/wait", async (string id, HttpRequest req, ClusterState state) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var timeout = TimeoutQuery(req);
            var tasks = await state.WaitAsync([taskId], any: false, timeout, req.HttpContext.RequestAborted);
            return ApiPipeline.Json(tasks[0].ToWire(), RiverJsonContext.Default.TaskDto);
        });

        api.MapPost("/tasks/wait", async (HttpRequest req, ClusterState state) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.WaitRequest);
            // JSON null for the list reads as null despite the property's default.
            if (body.TaskIds is not { Count: > 0 }) throw ApiException.BadRequest("task_ids is missing or empty");
            if (body.TimeoutSeconds is < 0 or > 300 || double.IsNaN(body.TimeoutSeconds))
                throw ApiException.BadRequest($"timeout_seconds must be between 0 and 300, got {body.TimeoutSeconds}");
            var tasks = await state.WaitAsync(body.TaskIds.Distinct().ToList(), body.Any, TimeSpan.FromSeconds(body.TimeoutSeconds), req.HttpContext.RequestAborted);
            return ApiPipeline.Json(tasks.ToWire(), RiverJsonContext.Default.ListTaskDto);
        });

        api.MapPost("/kill/{id}", (string id, ClusterState state, RunnerGateway runners, BackgroundCalls calls, ILoggerFactory logs) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var notice = state.Kill(taskId);
            if (notice?.RunnerUrl is { } url)
                calls.Start($"kill of task {taskId}", ct => DeliverAsync(token => runners.KillAsync(url, notice.TaskId, notice.ContainerName, token), taskId, "kill", logs.CreateLogger("Kill"), ct));
            return ApiPipeline.Json(new MessageResponse { Message = $"task {taskId} killed" }, RiverJsonContext.Default.MessageResponse, 202);
        });

        api.MapPost("/command/{id}/{action}", async (string id, string action, ClusterState state, RunnerGateway runners, HttpContext ctx) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var pause = action switch
            {
                "pause" => true,
                "resume" => false,
                _ => throw ApiException.NotFound($"unknown command '{action}'; use pause or resume"),
            };
            var notice = state.PrepareSuspendResume(taskId, pause);
            if (notice.RunnerUrl is null) throw new ApiException(503, $"task {taskId}'s node {notice.NodeName} is unknown");
            try
            {
                if (pause) await runners.PauseAsync(notice.RunnerUrl, taskId, notice.ContainerName, ctx.RequestAborted);
                else await runners.ResumeAsync(notice.RunnerUrl, taskId, notice.ContainerName, ctx.RequestAborted);
            }
            catch (RunnerCallException e)
            {
                throw new ApiException(e.StatusCode is 409 or 404 ? 409 : 502, e.Message);
            }
            state.CompleteSuspendResume(taskId, pause);
            return ApiPipeline.Json(new MessageResponse { Message = $"task {taskId} {(pause ? "paused" : "resumed")}" }, RiverJsonContext.Default.MessageResponse);
        });

        api.MapGet("/tasks/{id}/stdout", (string id, HttpContext ctx, ClusterState state) => WriteOutput(ctx, state, ApiPipeline.ParseId(id), stdout: true));
        api.MapGet("/tasks/{id}/stderr", (string id, HttpContext ctx, ClusterState state) => WriteOutput(ctx, state, ApiPipeline.ParseId(id), stdout: false));
    }

    /// <summary>Every environment the tasks name must be published (or its image be on the host): an unknown one is a
    /// 400 at submit, not a failed task later.</summary>
    private static async Task CheckEnvironmentsAsync(IEnumerable<SubmitRequest> specs, EnvironmentService envs, DaemonSettings settings, CancellationToken ct)
    {
        var names = specs.Where(s => s.RegistryImage is null)
            .Select(s => settings.EnvironmentFor(s.RegistryImage, s.ContainerName)!)
            .Where(Core.Environments.EnvironmentNames.IsValid)
            .Distinct();
        foreach (var env in names)
            if (await envs.WhyUnknownAsync(env, ct) is { } why) throw ApiException.BadRequest(why);
    }

    /// <summary>Tells a runner to stop a task the host already marked final. Best effort with a few retries; if the
    /// runner stays unreachable, its next heartbeat lists the task and the host answers with a kill for it.</summary>
    public static async Task DeliverAsync(Func<CancellationToken, Task> call, long taskId, string what, ILogger log, CancellationToken ct)
    {
        try
        {
            await RetryPolicy.RunnerNotice.ExecuteAsync(call, e => e is RunnerCallException,
                (_, e, _) => log.LogWarning("{What} of task {TaskId} not delivered ({Error}); retrying", what, taskId, e.Message), ct: ct);
        }
        catch (RunnerCallException e)
        {
            log.LogWarning("{What} of task {TaskId} not delivered ({Error}); the next heartbeat will carry it", what, taskId, e.Message);
        }
    }

    private static async Task WriteOutput(HttpContext ctx, ClusterState state, long taskId, bool stdout)
    {
        var task = state.GetTask(taskId) ?? throw ApiException.NotFound($"task {taskId} not found");
        var q = ctx.Request.Query;
        int? lines = q.ContainsKey("lines") ? IntQuery(q, "lines", 0, 0, int.MaxValue) : null;
        long? offset = q.TryGetValue("offset", out var o) && !string.IsNullOrEmpty(o)
            ? long.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var off) ? off : throw ApiException.BadRequest($"offset '{o}' is not a non-negative integer")
            : null;
        if (lines is not null && offset is not null) throw ApiException.BadRequest("give lines or offset, not both");

        var path = stdout ? task.StdoutPath : task.StderrPath;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        if (path is null || !File.Exists(path))
        {
            ctx.Response.Headers["X-Next-Offset"] = "0";
            return;
        }
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        // Answer up to the length seen now, so that X-Next-Offset is exact for a follower.
        var end = file.Length;
        var start = offset is { } from ? Math.Min(from, end) : lines is { } n ? LogTail.StartOfLastLines(file, end, n) : 0;
        ctx.Response.Headers["X-Next-Offset"] = end.ToString(CultureInfo.InvariantCulture);
        ctx.Response.ContentLength = end - start;
        file.Position = start;
        var buffer = new byte[64 * 1024];
        var left = end - start;
        while (left > 0)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ctx.RequestAborted);
            if (read == 0) break;
            await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ctx.RequestAborted);
            left -= read;
        }
    }

    private static int IntQuery(IQueryCollection q, string name, int fallback, int min, int max)
    {
        if (!q.TryGetValue(name, out var v) || string.IsNullOrEmpty(v)) return fallback;
        return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw ApiException.BadRequest($"{name} '{v}' must be a whole number from {min} to {max}");
    }

    private static TimeSpan TimeoutQuery(HttpRequest req)
    {
        if (!req.Query.TryGetValue("timeout", out var v) || string.IsNullOrEmpty(v)) return TimeSpan.FromSeconds(30);
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is >= 0 and <= 300
            ? TimeSpan.FromSeconds(s)
            : throw ApiException.BadRequest($"timeout '{v}' must be a number of seconds from 0 to 300");
    }
}
