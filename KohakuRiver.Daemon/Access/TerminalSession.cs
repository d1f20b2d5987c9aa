using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Daemon.Access;

/// <summary>Serves one terminal WebSocket request on a container of this machine's engine.</summary>
public static class TerminalSession
{
    /// <summary>
    /// Starts the shell first, so that an engine that refuses it (container stopped meanwhile) is a plain HTTP answer,
    /// then accepts the upgrade and bridges until the session ends. <paramref name="where"/> names the target in the
    /// log ("task 5", "environment 'dev'").
    /// </summary>
    public static async Task ServeAsync(HttpContext ctx, IContainerEngine engine, string containerId, TerminalRequest request,
        string engineName, string where, ILogger log)
    {
        ITtyExec exec;
        try
        {
            exec = await engine.StartTtyExecAsync(containerId, request.SizedCommand(), request.Rows, request.Cols, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (EngineException e)
        {
            throw EngineFailures.ToHost(e, engineName);
        }
        var bridge = new TerminalBridge(await AcceptOrHangUpAsync(ctx, exec).ConfigureAwait(false), exec, log);
        log.LogInformation("Terminal {Exec} on {Where} opened ({Rows}x{Cols})", exec.Id, where, request.Rows, request.Cols);
        var code = await bridge.RunAsync(ctx.RequestAborted).ConfigureAwait(false);
        log.LogInformation("Terminal {Exec} on {Where} ended: {End}", exec.Id, where, code is { } c ? $"exit code {c}" : "the client went");
    }

    private static async Task<System.Net.WebSockets.WebSocket> AcceptOrHangUpAsync(HttpContext ctx, ITtyExec exec)
    {
        try
        {
            return await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        }
        catch
        {
            try
            {
                await exec.HangUpAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                await exec.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }
}
