using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Host;

namespace KohakuRiver.Daemon.Access;

/// <summary>An engine failure as an answer to the caller, naming the engine's own message.</summary>
public static class EngineFailures
{
    /// <param name="e">The failure.</param>
    /// <param name="engine">Which engine, for "… is unreachable", e.g. "the host's Docker engine".</param>
    public static HostException ToHost(EngineException e, string engine) => e.Kind switch
    {
        EngineErrorKind.Unavailable => HostException.Unavailable($"{engine} is unreachable: {e.Message}"),
        EngineErrorKind.NotFound => HostException.NotFound($"Docker engine: {e.Message}"),
        EngineErrorKind.Conflict => HostException.Conflict($"Docker engine: {e.Message}"),
        _ => HostException.EngineFailed($"Docker engine: {e.Message}"),
    };
}
