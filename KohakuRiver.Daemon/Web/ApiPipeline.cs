using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host;
using Microsoft.AspNetCore.Http.Features;
using KohakuRiver.Daemon.Security;

namespace KohakuRiver.Daemon.Web;

/// <summary>Errors, authentication and JSON bodies, the same for the host and the runner API.</summary>
public static class ApiPipeline
{
    /// <summary>Every failure becomes <c>{"detail": …}</c> with a fitting status code; never a stack trace.</summary>
    public static IApplicationBuilder UseJsonErrors(this IApplicationBuilder app, ILogger logger) =>
        app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx);
                if (ctx.Response is { StatusCode: 404, HasStarted: false } && ctx.GetEndpoint() is null)
                    await WriteError(ctx, 404, $"no such endpoint: {ctx.Request.Method} {ctx.Request.Path}");
                else if (ctx.Response is { StatusCode: 405, HasStarted: false })
                    await WriteError(ctx, 405, $"method {ctx.Request.Method} is not allowed on {ctx.Request.Path}");
            }
            catch (ApiException e)
            {
                if (!ctx.Response.HasStarted) await WriteError(ctx, e.StatusCode, e.Detail);
            }
            catch (HostException e)
            {
                if (!ctx.Response.HasStarted) await WriteError(ctx, StatusFor(e.Kind), e.Message);
            }
            catch (BadHttpRequestException e)
            {
                if (!ctx.Response.HasStarted) await WriteError(ctx, e.StatusCode, e.Message);
            }
            catch (IOException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The client went away mid-body; nothing to answer.
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nothing to answer.
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
                if (!ctx.Response.HasStarted) await WriteError(ctx, 500, $"internal error: {e.Message}");
            }
        });

    /// <summary>
    /// Requires <c>Authorization: Bearer …</c> on every /api and /ws path and on /metrics (Prometheus sends the token
    /// from its scrape config). <paramref name="tokenFor"/> says which token a path needs (compared in constant time).
    /// A /ws request without the header may instead carry <c>?ticket=</c>, which <paramref name="redeemTicket"/> spends
    /// (browsers cannot set headers on a WebSocket); without that callback there are no tickets.
    /// </summary>
    public static IApplicationBuilder UseBearerTokens(this IApplicationBuilder app, Func<PathString, (string Token, string Name)> tokenFor,
        Func<string, bool>? redeemTicket = null) =>
        app.Use(async (ctx, next) =>
        {
            if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/ws") || ctx.Request.Path.StartsWithSegments("/metrics"))
            {
                var (expected, name) = tokenFor(ctx.Request.Path);
                var header = ctx.Request.Headers.Authorization.ToString();
                if (string.IsNullOrEmpty(header) && redeemTicket is not null && ctx.Request.Path.StartsWithSegments("/ws") &&
                    ctx.Request.Query.TryGetValue("ticket", out var ticket))
                {
                    if (ticket.Count == 1 && redeemTicket(ticket.ToString()))
                    {
                        await next(ctx);
                        return;
                    }
                    await WriteError(ctx, 401, "invalid ticket: a ticket from POST /api/ws-tickets opens one WebSocket, once, within 30 s");
                    return;
                }
                if (string.IsNullOrEmpty(header))
                {
                    ctx.Response.Headers.WWWAuthenticate = "Bearer";
                    await WriteError(ctx, 401, $"missing bearer token: send 'Authorization: Bearer <{name}>'");
                    return;
                }
                if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !SecretComparison.TokensEqual(header[7..].Trim(), expected))
                {
                    ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                    await WriteError(ctx, 401, $"invalid bearer token: this endpoint needs the {name}");
                    return;
                }
            }
            await next(ctx);
        });

    /// <summary>The HTTP status of each kind of host error: the one place the core's refusals become status codes.</summary>
    public static int StatusFor(HostErrorKind kind) => kind switch
    {
        HostErrorKind.Invalid => StatusCodes.Status400BadRequest,
        HostErrorKind.NotFound => StatusCodes.Status404NotFound,
        HostErrorKind.Conflict => StatusCodes.Status409Conflict,
        HostErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        HostErrorKind.TimedOut => StatusCodes.Status504GatewayTimeout,
        HostErrorKind.EngineFailed => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The wire options with readable escaping: quotes and angle brackets in details stay as typed.</summary>
    private static readonly JsonSerializerOptions ResponseOptions = new(RiverJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The header that repeats an error's detail on a refused WebSocket upgrade: WebSocket clients see a
    /// refusal's status and headers but not its body.</summary>
    public const string DetailHeader = "X-KohakuRiver-Detail";

    public static Task WriteError(HttpContext ctx, int status, string detail)
    {
        ctx.Response.StatusCode = status;
        if (ctx.Request.Path.StartsWithSegments("/ws"))
            ctx.Response.Headers[DetailHeader] = AsciiHeaderValue(detail);
        return ctx.Response.WriteAsJsonAsync(new ErrorResponse { Detail = detail }, Relaxed(RiverJsonContext.Default.ErrorResponse));
    }

    /// <summary><paramref name="info"/> with the readable escaping of every answer: non-ASCII text and quotes as
    /// themselves rather than \uXXXX (read by programs, never embedded in HTML).</summary>
    public static JsonTypeInfo<T> Relaxed<T>(JsonTypeInfo<T> info) => (JsonTypeInfo<T>)ResponseOptions.GetTypeInfo(typeof(T));

    /// <summary>Reads a JSON body; a missing or malformed one is a 400 that says where it is wrong. The body (bounded
    /// by the request size limit) is read whole and must be valid UTF-8 throughout: the JSON reader skips properties
    /// it does not know without checking their bytes.</summary>
    public static async Task<T> ReadJsonAsync<T>(this HttpRequest request, JsonTypeInfo<T> info)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length == 0) throw ApiException.BadRequest("request body is empty; a JSON object is expected");
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw ApiException.BadRequest("request body is not valid UTF-8");
        try
        {
            return JsonSerializer.Deserialize(bytes, info) ?? throw ApiException.BadRequest("request body is null; a JSON object is expected");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"request body is not valid{WhereAndWhy(e)}");
        }
    }

    /// <summary>
    /// Refuses, before a byte of it is read, a body whose declared length is over the endpoint's limit (the server's
    /// default, or what <see cref="RequestSizeLimitAttribute"/> metadata on the endpoint sets): 413 naming the limit. A
    /// client that sent <c>Expect: 100-continue</c> then reads the answer without sending the body at all.
    /// </summary>
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) =>
        app.Use(async (ctx, next) =>
        {
            var feature = ctx.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (ctx.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is { MaxRequestBodySize: { } endpointLimit } &&
                feature is { IsReadOnly: false })
                feature.MaxRequestBodySize = endpointLimit;
            if (ctx.Request.ContentLength is { } length && feature?.MaxRequestBodySize is { } limit && length > limit)
            {
                ctx.Response.Headers.Connection = "close";
                await WriteError(ctx, 413, $"request body of {length} bytes is over this endpoint's limit of {limit} bytes");
                return;
            }
            await next(ctx);
        });

    /// <summary>A task id in a path or query: a positive integer, else a 400 naming it.</summary>
    public static long ParseId(string text, string what = "task id") =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw ApiException.BadRequest($"{what} '{text}' is not a positive integer");

    public static IResult Json<T>(T value, JsonTypeInfo<T> info, int status = 200) =>
        Results.Json(value, Relaxed(info), statusCode: status);

    /// <summary>A JSON array written item by item as <paramref name="items"/> yields them, flushed every 64 KiB, so a long
    /// listing of large items costs the server one item's memory, not the whole answer's.</summary>
    public static IResult JsonArray<T>(IEnumerable<T> items, JsonTypeInfo<T> info) => new JsonArrayResult<T>(items, Relaxed(info));

    private sealed class JsonArrayResult<T>(IEnumerable<T> items, JsonTypeInfo<T> info) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            ctx.Response.ContentType = "application/json; charset=utf-8";
            // The serializer flushes its writer synchronously, which Kestrel's body refuses: it writes into a buffer
            // that is passed on asynchronously between items.
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
            await using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ResponseOptions.Encoder });
            writer.WriteStartArray();
            foreach (var item in items)
            {
                JsonSerializer.Serialize(writer, item, info);
                if (buffer.WrittenCount >= 64 * 1024) await Drain();
            }
            writer.WriteEndArray();
            await writer.FlushAsync(ctx.RequestAborted);
            await Drain();

            async Task Drain()
            {
                await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
                buffer.ResetWrittenCount();
            }
        }
    }

    /// <summary>A header value: printable ASCII only (others become '?'), at most 1,000 characters.</summary>
    private static string AsciiHeaderValue(string text)
    {
        var chars = text.Length > 1000 ? text.ToCharArray(0, 1000) : text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (chars[i] is < ' ' or > '~') chars[i] = '?';
        return new string(chars);
    }

    /// <summary>" at $.field: what was wrong", for a message that names malformed JSON: the reader's path and the first
    /// sentence of its message (the rest repeats the path and position).</summary>
    public static string WhereAndWhy(JsonException e) =>
        (string.IsNullOrEmpty(e.Path) ? "" : $" at {e.Path}") + ": " + FirstSentence(e.Message);

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}
