namespace KohakuRiver.Core.Client;

public enum RiverErrorKind
{
    /// <summary>The host could not be reached at all (refused, timed out, DNS).</summary>
    Connection,
    Unauthorized,
    NotFound,
    InvalidArgument,
    Conflict,
    Unavailable,
    Server,
}
