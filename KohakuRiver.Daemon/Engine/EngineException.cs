namespace KohakuRiver.Daemon.Engine;

/// <summary>
/// A failure reported by the container engine, or the engine being unreachable. <see cref="Kind"/> tells "engine down"
/// from "engine said no"; the message is the engine's own words (e.g. "No such image: x").
/// </summary>
public sealed class EngineException(EngineErrorKind kind, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public EngineErrorKind Kind { get; } = kind;
}
