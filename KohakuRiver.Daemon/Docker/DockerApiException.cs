namespace KohakuRiver.Daemon.Docker;

/// <summary>
/// A failure reported by the Docker engine, or the engine being unreachable.
/// <see cref="StatusCode"/> is the HTTP status of the answer; 0 means no answer came at all (socket
/// missing, refused, or the connection broke), so callers can tell "engine down" from "engine said no".
/// </summary>
public sealed class DockerApiException : Exception
{
    public DockerApiException(int statusCode, string engineMessage, Exception? innerException = null)
        : base(engineMessage, innerException)
    {
        StatusCode = statusCode;
        EngineMessage = engineMessage;
    }

    public int StatusCode { get; }

    /// <summary>The engine's own words (its JSON <c>message</c>), e.g. "No such image: x".</summary>
    public string EngineMessage { get; }
}
