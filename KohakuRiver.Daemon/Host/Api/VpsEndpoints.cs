using KohakuRiver.Core.Models;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Background;
using KohakuRiver.Daemon.Host.Dispatch;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Environments;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Host.Api;

/// <summary>VPS endpoints (reference paths), API token.</summary>
public static class VpsEndpoints
{
    public static void MapVpsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/vps");

        api.MapPost("/create", async (HttpRequest req, ClusterState state, EnvironmentService envs, DaemonSettings settings) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.VpsCreateRequest);
            string? publicKey = null, privateKey = null;
            if (body.SshKeyMode == "none")
                throw ApiException.BadRequest("ssh_key_mode 'none' (SSH without a key) is not offered: use upload, generate or disabled");
            if (!SshKeyModeNames.TryParse(body.SshKeyMode, out var keyMode))
                throw ApiException.BadRequest($"ssh_key_mode '{body.SshKeyMode}' is not one of {SshKeyModeNames.AllWireNames}");
            switch (keyMode)
            {
                case SshKeyMode.Upload:
                    if (string.IsNullOrWhiteSpace(body.SshPublicKey)) throw ApiException.BadRequest("ssh_key_mode upload needs ssh_public_key");
                    if (!SshKeyPair.IsValidPublicKey(body.SshPublicKey.Trim(), out var why)) throw ApiException.BadRequest($"ssh_public_key: {why}");
                    publicKey = body.SshPublicKey.Trim();
                    break;
                case SshKeyMode.Generate:
                    if (body.SshPublicKey is not null) throw ApiException.BadRequest("ssh_key_mode generate takes no ssh_public_key");
                    break;
            }
            if (body.WaitSeconds is { } asked && !(asked >= 0 && asked <= 300))
                throw ApiException.BadRequest($"wait_seconds must be from 0 to 300, got {asked}");
            var wait = TimeSpan.FromSeconds(body.WaitSeconds ?? 60);
            if (body.RegistryImage is null && await envs.WhyUnknownAsync(settings.EnvironmentFor(null, body.ContainerName)!, req.HttpContext.RequestAborted) is { } unknown)
                throw ApiException.BadRequest(unknown);
            if (keyMode == SshKeyMode.Generate)
            {
                // Made here, returned once in this answer, never stored: the host keeps only the public half.
                var pair = SshKeyPair.Generate($"kohakuriver-vps");
                publicKey = pair.PublicKeyOpenSsh;
                privateKey = pair.PrivateKeyPem;
            }
            var task = state.SubmitVps(body, keyMode, publicKey);
            task = await state.WaitForAsync(task.TaskId, t => t.Status == RiverTaskStatus.Running && (t.SshPort is not null || t.KeyMode == SshKeyMode.Disabled), wait, req.HttpContext.RequestAborted);
            var node = task.NodeName is null ? null : state.Nodes().FirstOrDefault(n => n.NodeName == task.NodeName);
            var response = new VpsCreateResponse
            {
                TaskId = task.TaskId,
                Status = task.Status,
                SshPort = task.SshPort,
                AssignedNode = node is null ? null : new AssignedNode { Hostname = node.NodeName, Url = node.Url },
                SshPrivateKey = privateKey,
                SshPublicKey = publicKey,
                Message = task.Status switch
                {
                    RiverTaskStatus.Running => $"VPS {task.TaskId} is running on {task.NodeName}",
                    RiverTaskStatus.Pending or RiverTaskStatus.Assigning => $"VPS {task.TaskId} is {task.Status.ToWire()}; it will start when capacity frees",
                    _ => $"VPS {task.TaskId} is {task.Status.ToWire()}",
                },
            };
            if (task.Status.IsFinal())
            {
                // Made but not up: an error (with the usual detail) that still says which task and how it ended.
                response.Detail = $"VPS {task.TaskId} {task.Status.ToWire()}: {task.ErrorMessage}";
                response.Message = response.Detail;
                return ApiPipeline.Json(response, RiverJsonContext.Default.VpsCreateResponse, 422);
            }
            return ApiPipeline.Json(response, RiverJsonContext.Default.VpsCreateResponse, 201);
        });

        api.MapGet("", (HostStore store) =>
            ApiPipeline.JsonArray(store.EnumerateTasks(null, null, null, 1000, 0, TaskKind.Vps).Select(t => t.ToWire()), RiverJsonContext.Default.TaskDto));
        api.MapGet("/status", (ClusterState state) => ApiPipeline.Json(state.ActiveVps().ToWire(), RiverJsonContext.Default.ListTaskDto));

        api.MapPost("/stop/{id}", (string id, ClusterState state, RunnerGateway runners, BackgroundCalls calls, ILoggerFactory logs) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var notice = state.StopVps(taskId);
            if (notice?.RunnerUrl is { } url)
                calls.Start($"stop of VPS {taskId}", ct => TaskEndpoints.DeliverAsync(token => runners.StopVpsAsync(url, taskId, token), taskId, "stop", logs.CreateLogger("Vps"), ct));
            return ApiPipeline.Json(new MessageResponse { Message = $"VPS {taskId} stopped" }, RiverJsonContext.Default.MessageResponse);
        });

        api.MapPost("/restart/{id}", async (string id, ClusterState state, RunnerGateway runners, HttpContext ctx) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var notice = state.PrepareVpsRestart(taskId);
            if (notice.RunnerUrl is null) throw new ApiException(503, $"VPS {taskId}'s node {notice.NodeName} is unknown");
            VpsRestartResponse restarted;
            try
            {
                restarted = await runners.RestartVpsAsync(notice.RunnerUrl, taskId, ctx.RequestAborted);
            }
            catch (RunnerCallException e)
            {
                throw new ApiException(e.StatusCode is 409 or 404 ? 409 : 502, e.Message);
            }
            state.SetSshPort(taskId, restarted.SshPort);
            return ApiPipeline.Json(new VpsRestartResponse { Message = $"VPS {taskId} restarted", SshPort = restarted.SshPort }, RiverJsonContext.Default.VpsRestartResponse);
        });
    }
}
