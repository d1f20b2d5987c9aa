using System.Net;

namespace KohakuRiver.Core.Client;

/// <summary>The one exception <see cref="RiverClient"/> throws: the status code (null when nothing answered) and the
/// server's <c>detail</c>.</summary>
public sealed class RiverApiException : Exception
{
    public RiverApiException(HttpStatusCode? statusCode, string detail, Exception? inner = null, string? responseBody = null)
        : base(statusCode is { } code ? $"{(int)code} {code}: {detail}" : detail, inner)
    {
        StatusCode = statusCode;
        Detail = detail;
        ResponseBody = responseBody;
    }

    /// <summary>The whole error body, for answers that carry more than the detail (a failed VPS's state, say).</summary>
    public string? ResponseBody { get; }

    public HttpStatusCode? StatusCode { get; }
    public string Detail { get; }

    public RiverErrorKind Kind => StatusCode switch
    {
        null => RiverErrorKind.Connection,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => RiverErrorKind.Unauthorized,
        HttpStatusCode.NotFound => RiverErrorKind.NotFound,
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => RiverErrorKind.InvalidArgument,
        HttpStatusCode.Conflict => RiverErrorKind.Conflict,
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => RiverErrorKind.Unavailable,
        _ => RiverErrorKind.Server,
    };
}
