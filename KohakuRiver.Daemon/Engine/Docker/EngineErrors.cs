using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using DockerApiException = Docker.DotNet.DockerApiException;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>Turns what Docker.DotNet throws into the one <see cref="EngineException"/> callers handle.</summary>
internal static class EngineErrors
{
    /// <summary>The engine exception for <paramref name="error"/>, or null when it is not an engine failure (a
    /// cancellation, an argument error) and must pass unchanged.</summary>
    public static EngineException? Translate(Exception error, string socketPath) => error switch
    {
        EngineException => null,
        OperationCanceledException => null,
        DockerApiException api => new EngineException(KindOf(api.StatusCode), EngineMessage(api), api),
        HttpRequestException or SocketException or IOException =>
            new EngineException(EngineErrorKind.Unavailable, $"the connection to the Docker engine at unix://{socketPath} failed: {Innermost(error).Message}", error),
        _ => null,
    };

    /// <summary>Runs one engine call; what the library throws comes out as an <see cref="EngineException"/>.</summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, string socketPath)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, socketPath) is { } translated)
        {
            throw translated;
        }
    }

    public static Task CallAsync(Func<Task> call, string socketPath) => CallAsync(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    }, socketPath);

    /// <summary>
    /// Polls an exec's inspect until the engine no longer reports it running, and returns that inspect; null when
    /// <paramref name="deadline"/> passes first. The engine records an exec's exit a moment after the process closed
    /// its output: until then Running is still true and ExitCode not final. The pause grows from 2 ms to 100 ms.
    /// </summary>
    public static async Task<ContainerExecInspectResponse?> WaitExecEndedAsync(DockerClient client, string execId, TimeProvider time,
        DateTimeOffset? deadline, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            var info = await client.Exec.InspectContainerExecAsync(execId, ct).ConfigureAwait(false);
            if (!info.Running) return info;
            if (time.GetUtcNow() >= deadline) return null;
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }
    }

    private static EngineErrorKind KindOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => EngineErrorKind.NotFound,
        HttpStatusCode.Conflict => EngineErrorKind.Conflict,
        _ => EngineErrorKind.Other,
    };

    /// <summary>The engine's own words: the <c>message</c> of its JSON answer, else the answer's text.</summary>
    private static string EngineMessage(DockerApiException api)
    {
        var body = api.ResponseBody?.Trim();
        if (string.IsNullOrEmpty(body)) return $"{(int)api.StatusCode} {api.StatusCode}";
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                return text;
        }
        catch (JsonException)
        {
            // Not JSON (a proxy in between, say): the text itself is the best message there is.
        }
        return body;
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null) error = error.InnerException;
        return error;
    }
}
