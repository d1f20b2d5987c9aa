using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KohakuRiver.Tests.Terminals;

/// <summary>
/// A terminal WebSocket server on a loopback port, speaking the contract's JSON: it checks the bearer token, refuses
/// ids as the host would (404 for 404, 409 for 409, 503 for 503, with a JSON detail), and otherwise runs a tiny "shell"
/// that echoes input as output, answers a resize with "resized RxC", and reacts to whole input lines:
/// "exit N" (exit message then close 1000), "drop" (abort, no exit), "close" (close 1000 without exit),
/// "say TEXT" (one error message), "garble" (a message that is not JSON, one of an unknown type, then an emoji).
/// </summary>
public sealed class FakeTerminalServer : IAsyncDisposable
{
    public const string Token = "fake-token";
    private readonly WebApplication _app;

    private FakeTerminalServer(WebApplication app) => _app = app;

    /// <summary>Everything the server received on sockets, in order, as (socket path, message).</summary>
    public ConcurrentQueue<(string Path, TerminalMessage Message)> Received { get; } = new();

    /// <summary>The query strings of accepted sockets.</summary>
    public ConcurrentQueue<string> Queries { get; } = new();

    /// <summary>How sockets ended, as the server saw them ("closed by client", "exit", "drop" …).</summary>
    public ConcurrentQueue<string> Endings { get; } = new();

    public Uri Uri { get; private set; } = null!;

    public RiverClient Client(string token = Token) => new(Uri, token);

    /// <summary>All input text the server received, joined.</summary>
    public string InputText => string.Concat(Received.Where(r => r.Message.Type == TerminalMessage.Input).Select(r => r.Message.Data));

    public static async Task<FakeTerminalServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeTerminalServer(app);
        app.UseWebSockets();
        app.Map("/ws/task/{id}/terminal", (HttpContext c, string id) => server.HandleAsync(c, id));
        app.Map("/ws/docker/host/containers/{env}/terminal", (HttpContext c, string env) => server.HandleAsync(c, env));
        await app.StartAsync();
        server.Uri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    private async Task HandleAsync(HttpContext c, string id)
    {
        if (c.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            await Refuse(c, 401, "missing or invalid bearer token");
            return;
        }
        switch (id)
        {
            case "404":
                await Refuse(c, 404, "task 404 not found");
                return;
            case "409":
                await Refuse(c, 409, "task 409 is completed");
                return;
            case "503":
                await Refuse(c, 503, "node n1 is offline");
                return;
        }
        if (!c.WebSockets.IsWebSocketRequest)
        {
            await Refuse(c, 400, "a WebSocket upgrade is required");
            return;
        }
        Queries.Enqueue(c.Request.QueryString.Value ?? "");
        using var ws = await c.WebSockets.AcceptWebSocketAsync();
        var path = c.Request.Path.Value!;
        var buffer = new byte[TerminalMessage.MaxMessageBytes];
        var line = "";
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult r;
            try
            {
                do
                {
                    r = await ws.ReceiveAsync(buffer.AsMemory(count), c.RequestAborted);
                    count += r.Count;
                }
                while (!r.EndOfMessage);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                Endings.Enqueue("broken");
                return;
            }
            if (r.MessageType == WebSocketMessageType.Close)
            {
                Endings.Enqueue("closed by client");
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return;
            }
            var m = JsonSerializer.Deserialize(buffer.AsSpan(0, count), RiverJsonContext.Default.TerminalMessage)!;
            Received.Enqueue((path, m));
            if (m.Type == TerminalMessage.Resize)
            {
                await Send(ws, new TerminalMessage { Type = TerminalMessage.Output, Data = $"resized {m.Rows}x{m.Cols}\r\n" });
                continue;
            }
            if (m.Type != TerminalMessage.Input) continue;
            await Send(ws, new TerminalMessage { Type = TerminalMessage.Output, Data = m.Data });
            line += m.Data;
            // Ctrl+C discards the line typed so far, as a shell does.
            if (line.LastIndexOf('\u0003') is var cut and >= 0) line = line[(cut + 1)..];
            int end;
            while ((end = line.IndexOf('\r')) >= 0)
            {
                var command = line[..end];
                line = line[(end + 1)..];
                if (command.StartsWith("exit ", StringComparison.Ordinal))
                {
                    await Send(ws, new TerminalMessage { Type = TerminalMessage.Exit, ExitCode = int.Parse(command[5..]) });
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    Endings.Enqueue("exit");
                    return;
                }
                if (command == "drop")
                {
                    Endings.Enqueue("drop");
                    ws.Abort();
                    c.Abort();
                    return;
                }
                if (command == "close")
                {
                    Endings.Enqueue("close");
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "container gone", CancellationToken.None);
                    return;
                }
                if (command.StartsWith("say ", StringComparison.Ordinal))
                    await Send(ws, new TerminalMessage { Type = TerminalMessage.Error, Data = command[4..] });
                if (command == "garble")
                {
                    await SendRaw(ws, "{not json");
                    await SendRaw(ws, """{"type":"surprise","data":"x"}""");
                    await SendRaw(ws, """{"type":"output","data":"[\ud83d\ude42]"}""");
                }
            }
        }
    }

    private static Task Refuse(HttpContext c, int status, string detail)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        return c.Response.WriteAsync(JsonSerializer.Serialize(new ErrorResponse { Detail = detail }, RiverJsonContext.Default.ErrorResponse));
    }

    private static Task Send(WebSocket ws, TerminalMessage m) =>
        ws.SendAsync(JsonSerializer.SerializeToUtf8Bytes(m, RiverJsonContext.Default.TerminalMessage), WebSocketMessageType.Text, true, CancellationToken.None);

    private static Task SendRaw(WebSocket ws, string json) =>
        ws.SendAsync(System.Text.Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
