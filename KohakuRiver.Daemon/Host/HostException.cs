namespace KohakuRiver.Daemon.Host;

/// <summary>
/// An operation the host's core refused, with a message for the user. The core knows nothing of HTTP: the web
/// pipeline maps <see cref="Kind"/> to a status code (<see cref="Web.ApiPipeline.StatusFor"/>).
/// </summary>
public sealed class HostException(HostErrorKind kind, string message) : Exception(message)
{
    public HostErrorKind Kind { get; } = kind;

    public static HostException Invalid(string message) => new(HostErrorKind.Invalid, message);
    public static HostException NotFound(string message) => new(HostErrorKind.NotFound, message);
    public static HostException Conflict(string message) => new(HostErrorKind.Conflict, message);
    public static HostException Unavailable(string message) => new(HostErrorKind.Unavailable, message);
    public static HostException TimedOut(string message) => new(HostErrorKind.TimedOut, message);
    public static HostException EngineFailed(string message) => new(HostErrorKind.EngineFailed, message);
}
