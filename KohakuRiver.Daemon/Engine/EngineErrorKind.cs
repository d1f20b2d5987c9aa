namespace KohakuRiver.Daemon.Engine;

/// <summary>What kind of "no" an engine call got, which is all callers decide on.</summary>
public enum EngineErrorKind
{
    /// <summary>The container or image does not exist.</summary>
    NotFound,

    /// <summary>The engine refused because of the object's state: a name in use, a container not running, an image in use.</summary>
    Conflict,

    /// <summary>No answer at all: the socket is missing, refused, or the connection broke.</summary>
    Unavailable,

    /// <summary>Anything else the engine said no to.</summary>
    Other,
}
