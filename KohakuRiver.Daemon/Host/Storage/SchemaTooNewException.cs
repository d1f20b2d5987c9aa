namespace KohakuRiver.Daemon.Host.Storage;

/// <summary>The database was written by a newer daemon (its schema version is above <see cref="HostStore.SchemaVersion"/>):
/// opening it could misread or damage it, so the host refuses to start on it.</summary>
public sealed class SchemaTooNewException(string databasePath, long found, int known)
    : Exception($"database {databasePath} has schema version {found}, but this daemon knows only up to version {known}: " +
                "it was written by a newer KohakuRiver. Run that version, or point database_path at another file; the database was left unchanged.")
{
    public long Found { get; } = found;
}
