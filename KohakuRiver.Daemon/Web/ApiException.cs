namespace KohakuRiver.Daemon.Web;

/// <summary>Thrown by endpoint code to answer <c>{"detail": …}</c> with a status code.</summary>
public sealed class ApiException(int statusCode, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
    public string Detail { get; } = detail;

    public static ApiException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, detail);
    public static ApiException NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);
    public static ApiException Conflict(string detail) => new(StatusCodes.Status409Conflict, detail);
}
