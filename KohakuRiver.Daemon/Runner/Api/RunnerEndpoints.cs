using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Access;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Host.Submission;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Runner.Api;

/// <summary>The runner API the host calls (cluster token only).</summary>
public static class RunnerEndpoints
{
    public static void MapRunnerEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapPost("/execute", async (HttpRequest req, TaskExecutor executor) =>
        {
            var task = await req.ReadJsonAsync(RiverJsonContext.Default.TaskDto);
            SubmissionValidator.CheckDispatched(task);
            executor.Accept(task);
            return ApiPipeline.Json(new MessageResponse { Message = $"task {task.TaskId} accepted" }, RiverJsonContext.Default.MessageResponse, 202);
        });

        api.MapPost("/kill", async (HttpRequest req, TaskExecutor executor) =>
        {
            var cmd = await req.ReadJsonAsync(RiverJsonContext.Default.RunnerTaskCommand);
            WireChecks.RunnerCommand(cmd);
            await executor.KillAsync(cmd.TaskId, "killed by the host");
            return ApiPipeline.Json(new MessageResponse { Message = $"task {cmd.TaskId} kill requested" }, RiverJsonContext.Default.MessageResponse);
        });

        api.MapPost("/pause", (HttpRequest req, TaskExecutor executor) => SuspendResume(req, executor, pause: true));
        api.MapPost("/resume", (HttpRequest req, TaskExecutor executor) => SuspendResume(req, executor, pause: false));

        api.MapPost("/vps/stop/{id}", async (string id, TaskExecutor executor) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            await executor.StopVpsAsync(taskId);
            return ApiPipeline.Json(new MessageResponse { Message = $"VPS {taskId} stopping" }, RiverJsonContext.Default.MessageResponse);
        });

        api.MapPost("/vps/restart/{id}", async (string id, TaskExecutor executor) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            try
            {
                var port = await executor.RestartVpsAsync(taskId);
                return ApiPipeline.Json(new VpsRestartResponse { Message = $"VPS {taskId} restarted", SshPort = port }, RiverJsonContext.Default.VpsRestartResponse);
            }
            catch (RunnerTaskStateException e)
            {
                throw new ApiException(e.StatusCode, e.Message);
            }
        });

        api.MapPost("/tasks/{id}/exec", async (string id, HttpRequest req, TaskExecutor executor, IContainerEngine engine) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var command = ExecCommand.From(await req.ReadJsonAsync(RiverJsonContext.Default.EnvironmentExecRequest));
            var container = HeldContainer.Of(executor, taskId);
            try
            {
                var result = await command.RunAsync(engine, container, $"task {taskId}", req.HttpContext.RequestAborted);
                return ApiPipeline.Json(result, RiverJsonContext.Default.EnvironmentExecResult);
            }
            catch (EngineException e)
            {
                throw EngineFailures.ToHost(e, EngineName(executor));
            }
        });

        app.MapGet("/ws/task/{id}/terminal", async (string id, HttpContext ctx, TaskExecutor executor, IContainerEngine engine, ILoggerFactory logs) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var request = TerminalRequest.From(ctx);
            var container = HeldContainer.Of(executor, taskId);
            await TerminalSession.ServeAsync(ctx, engine, container, request, EngineName(executor), $"task {taskId}",
                logs.CreateLogger("KohakuRiver.Runner.Terminal"));
        });

        api.MapGet("/health", (TaskExecutor executor) =>
            ApiPipeline.Json(new MessageResponse { Message = $"{executor.NodeName} holds {executor.HeldTaskIds.Count} task(s)" }, RiverJsonContext.Default.MessageResponse));
    }

    private static string EngineName(TaskExecutor executor) => $"the Docker engine of node {executor.NodeName}";

    private static async Task<IResult> SuspendResume(HttpRequest req, TaskExecutor executor, bool pause)
    {
        var cmd = await req.ReadJsonAsync(RiverJsonContext.Default.RunnerTaskCommand);
        WireChecks.RunnerCommand(cmd);
        try
        {
            await executor.PauseAsync(cmd.TaskId, pause);
        }
        catch (RunnerTaskStateException e)
        {
            throw new ApiException(e.StatusCode, e.Message);
        }
        return ApiPipeline.Json(new MessageResponse { Message = $"task {cmd.TaskId} {(pause ? "paused" : "resumed")}" }, RiverJsonContext.Default.MessageResponse);
    }
}
