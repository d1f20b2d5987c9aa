using System.Globalization;
using System.Text.Json;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;
using Microsoft.Data.Sqlite;

namespace KohakuRiver.Daemon.Host.Storage;

/// <summary>
/// The host's durable state in SQLite (WAL, one writer). Tasks are stored as their JSON document plus the columns
/// that queries filter on. Writes go through one connection under a lock; reads open their own pooled connections
/// so list queries never wait behind the writer.
/// </summary>
public sealed class HostStore : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly object _writeLock = new();
    private readonly ITimer _checkpoints;
    private readonly object _checkpointLock = new();
    private bool _disposed;

    /// <summary>How often the write-ahead log is copied back into the database file.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(2);

    public HostStore(string databasePath, TimeProvider? time = null)
    {
        // The database holds tasks' environment variables: it and its WAL files are the daemon user's alone.
        Security.PrivateFiles.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        Security.PrivateFiles.EnsureFile(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        // Before anything that writes: a database from a newer daemon is refused untouched.
        var version = Convert.ToInt64(Scalar(_writer, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            _writer.Dispose();
            throw new SchemaTooNewException(databasePath, version, SchemaVersion);
        }
        // WAL lets readers run beside the writer; synchronous=NORMAL keeps every committed change across a process
        // crash or restart (only an OS crash could lose the last commits).
        Exec(_writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        // SQLite would copy the log back into the database inside whichever commit crosses its 1,000-page mark: a few
        // milliseconds spent while the host holds its one lock. A timer does it on a connection of its own instead
        // (a passive checkpoint never blocks the writer), which keeps the log as small.
        Exec(_writer, "PRAGMA wal_autocheckpoint=0;");
        // SQLite gives the WAL and shared-memory files the database's mode; a store left by an older version may not.
        Security.PrivateFiles.Restrict(databasePath + "-wal", databasePath + "-shm");
        MigrateFrom(version);
        _checkpoints = (time ?? TimeProvider.System).CreateTimer(_ => Checkpoint(), null, CheckpointInterval, CheckpointInterval);
    }

    /// <summary>Copies what the write-ahead log holds into the database file, beside the writer.</summary>
    public void Checkpoint()
    {
        lock (_checkpointLock)
        {
            if (_disposed) return;
            try
            {
                using var connection = new SqliteConnection(_connectionString);
                connection.Open();
                Exec(connection, "PRAGMA wal_checkpoint(PASSIVE);");
            }
            catch (SqliteException)
            {
                // Busy or briefly unavailable: the next tick copies what is left.
            }
        }
    }

    /// <summary>The schema this daemon writes. Version 0 is the unversioned schema of earlier daemons; every database,
    /// a new one included, starts there and is migrated forward one step at a time.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The schema version the open database now has (after migration, <see cref="SchemaVersion"/>).</summary>
    public long StoredSchemaVersion => Convert.ToInt64(Scalar(_writer, "PRAGMA user_version"), CultureInfo.InvariantCulture);

    private void MigrateFrom(long version)
    {
        if (version == SchemaVersion) return;
        using var tx = _writer.BeginTransaction();
        if (version < 1)
        {
            // Version 0: the tables as earlier daemons made them (IF NOT EXISTS: an old database already has them).
            Exec(_writer, tx, """
                CREATE TABLE IF NOT EXISTS nodes (
                    hostname TEXT PRIMARY KEY,
                    registration TEXT NOT NULL,
                    status TEXT NOT NULL,
                    last_heartbeat TEXT
                );
                CREATE TABLE IF NOT EXISTS batches (
                    batch_id INTEGER PRIMARY KEY,
                    submitted_at TEXT NOT NULL,
                    task_count INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS tasks (
                    task_id INTEGER PRIMARY KEY,
                    batch_id INTEGER,
                    status TEXT NOT NULL,
                    assigned_node TEXT,
                    document TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status);
                CREATE INDEX IF NOT EXISTS tasks_batch ON tasks(batch_id);
                CREATE INDEX IF NOT EXISTS tasks_node ON tasks(assigned_node);
                """);
            // Version 1: the task's kind is a column, so listing the VPSes no longer parses every stored document.
            Exec(_writer, tx, """
                ALTER TABLE tasks ADD COLUMN task_type TEXT NOT NULL DEFAULT 'command';
                UPDATE tasks SET task_type = json_extract(document, '$.task_type') WHERE json_extract(document, '$.task_type') IS NOT NULL;
                CREATE INDEX tasks_type ON tasks(task_type);
                PRAGMA user_version = 1;
                """);
        }
        tx.Commit();
    }

    // ---- writes ----

    /// <summary>Inserts a whole batch and its tasks in one transaction.</summary>
    public void InsertBatch(long batchId, DateTimeOffset submittedAt, IReadOnlyList<TaskRecord> tasks)
    {
        lock (_writeLock)
        {
            using var tx = _writer.BeginTransaction();
            using (var b = _writer.CreateCommand())
            {
                b.Transaction = tx;
                b.CommandText = "INSERT INTO batches(batch_id, submitted_at, task_count) VALUES ($id, $at, $n)";
                b.Parameters.AddWithValue("$id", batchId);
                b.Parameters.AddWithValue("$at", submittedAt.ToString("O", CultureInfo.InvariantCulture));
                b.Parameters.AddWithValue("$n", tasks.Count);
                b.ExecuteNonQuery();
            }
            WriteTasks(tx, "INSERT INTO tasks(task_id, batch_id, status, assigned_node, task_type, document) VALUES ($id, $batch, $status, $node, $type, $doc)", tasks);
            tx.Commit();
        }
    }

    /// <summary>Writes the current state of several tasks in one transaction.</summary>
    public void UpdateTasks(IReadOnlyCollection<TaskRecord> tasks)
    {
        if (tasks.Count == 0) return;
        lock (_writeLock)
        {
            using var tx = _writer.BeginTransaction();
            WriteTasks(tx, "UPDATE tasks SET batch_id=$batch, status=$status, assigned_node=$node, document=$doc WHERE task_id=$id", tasks);
            tx.Commit();
        }
    }

    public void UpdateTask(TaskRecord task) => UpdateTasks([task]);

    public void UpsertNode(NodeRecord node)
    {
        lock (_writeLock)
        {
            using var cmd = _writer.CreateCommand();
            cmd.CommandText = """
                INSERT INTO nodes(hostname, registration, status, last_heartbeat) VALUES ($h, $r, $s, $hb)
                ON CONFLICT(hostname) DO UPDATE SET registration=excluded.registration, status=excluded.status, last_heartbeat=excluded.last_heartbeat
                """;
            cmd.Parameters.AddWithValue("$h", node.Hostname);
            cmd.Parameters.AddWithValue("$r", JsonSerializer.Serialize(node.Registration, RiverJsonContext.Default.RegisterRequest));
            cmd.Parameters.AddWithValue("$s", node.Status == NodeStatus.Online ? "online" : "offline");
            cmd.Parameters.AddWithValue("$hb", (object?)node.LastHeartbeat?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>One prepared statement over all the tasks; the SQL names $id, $batch, $status, $node and $doc, and may name
    /// $type. The document is the task's wire JSON, the form version 0 stored too.</summary>
    private void WriteTasks(SqliteTransaction tx, string sql, IEnumerable<TaskRecord> tasks)
    {
        using var cmd = _writer.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        var id = cmd.Parameters.Add("$id", SqliteType.Integer);
        var batch = cmd.Parameters.Add("$batch", SqliteType.Integer);
        var status = cmd.Parameters.Add("$status", SqliteType.Text);
        var node = cmd.Parameters.Add("$node", SqliteType.Text);
        var doc = cmd.Parameters.Add("$doc", SqliteType.Text);
        var kind = sql.Contains("$type", StringComparison.Ordinal) ? cmd.Parameters.Add("$type", SqliteType.Text) : null;
        cmd.Prepare();
        foreach (var t in tasks)
        {
            id.Value = t.TaskId;
            batch.Value = (object?)t.BatchId ?? DBNull.Value;
            status.Value = t.Status.ToWire();
            node.Value = (object?)t.NodeName ?? DBNull.Value;
            if (kind is not null) kind.Value = t.Kind.ToWire();
            doc.Value = JsonSerializer.Serialize(t.ToWire(), RiverJsonContext.Default.TaskDto);
            cmd.ExecuteNonQuery();
        }
    }

    // ---- reads ----

    public List<NodeRecord> LoadNodes()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT hostname, registration, status, last_heartbeat FROM nodes ORDER BY hostname";
        using var r = cmd.ExecuteReader();
        var list = new List<NodeRecord>();
        while (r.Read())
        {
            list.Add(new NodeRecord
            {
                Hostname = r.GetString(0),
                Registration = JsonSerializer.Deserialize(r.GetString(1), RiverJsonContext.Default.RegisterRequest)!,
                Status = r.GetString(2) == "online" ? NodeStatus.Online : NodeStatus.Offline,
                LastHeartbeat = r.IsDBNull(3) ? null : DateTimeOffset.Parse(r.GetString(3), CultureInfo.InvariantCulture),
            });
        }
        return list;
    }

    /// <summary>Every task not yet in a final status, oldest first.</summary>
    public List<TaskRecord> LoadUnfinishedTasks()
    {
        var finals = string.Join(",", Enum.GetValues<RiverTaskStatus>().Where(s => s.IsFinal()).Select(s => $"'{s.ToWire()}'"));
        return QueryTasks($"SELECT document FROM tasks WHERE status NOT IN ({finals}) ORDER BY task_id", _ => { });
    }

    public TaskRecord? GetTask(long taskId) =>
        QueryTasks("SELECT document FROM tasks WHERE task_id=$id", p => p.AddWithValue("$id", taskId)).FirstOrDefault();

    public List<TaskRecord> GetTasks(IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0) return [];
        var result = new List<TaskRecord>(ids.Count);
        foreach (var chunk in ids.Chunk(500))
        {
            var names = string.Join(",", chunk.Select((_, i) => "$p" + i));
            result.AddRange(QueryTasks($"SELECT document FROM tasks WHERE task_id IN ({names})", p =>
            {
                for (var i = 0; i < chunk.Length; i++) p.AddWithValue("$p" + i, chunk[i]);
            }));
        }
        return result;
    }

    /// <summary>Tasks newest first, filtered and paged in SQL.</summary>
    public List<TaskRecord> ListTasks(RiverTaskStatus? status, string? node, long? batchId, int limit, int offset, TaskKind? kind = null) =>
        EnumerateTasks(status, node, batchId, limit, offset, kind).ToList();

    /// <summary>The same tasks read one row at a time as the caller enumerates, so a listing can be written out
    /// without ever holding the whole page in memory.</summary>
    public IEnumerable<TaskRecord> EnumerateTasks(RiverTaskStatus? status, string? node, long? batchId, int limit, int offset, TaskKind? kind = null)
    {
        var where = new List<string>();
        if (kind is not null) where.Add("task_type=$type");
        if (status is not null) where.Add("status=$status");
        if (node is not null) where.Add("assigned_node=$node");
        if (batchId is not null) where.Add("batch_id=$batch");
        var sql = "SELECT document FROM tasks" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY task_id DESC LIMIT $limit OFFSET $offset";
        return ReadTasks(sql, p =>
        {
            if (status is { } s) p.AddWithValue("$status", s.ToWire());
            if (node is not null) p.AddWithValue("$node", node);
            if (batchId is { } b) p.AddWithValue("$batch", b);
            if (kind is { } k) p.AddWithValue("$type", k.ToWire());
            p.AddWithValue("$limit", limit);
            p.AddWithValue("$offset", offset);
        });
    }

    /// <summary>The highest task (or batch) id ever stored, 0 when none.</summary>
    public long MaxTaskId()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT MAX(m) FROM (SELECT MAX(task_id) AS m FROM tasks UNION ALL SELECT MAX(batch_id) FROM batches)";
        return cmd.ExecuteScalar() is long v ? v : 0;
    }

    public Dictionary<RiverTaskStatus, int> CountByStatus()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT status, COUNT(*) FROM tasks GROUP BY status";
        using var r = cmd.ExecuteReader();
        var d = new Dictionary<RiverTaskStatus, int>();
        while (r.Read())
            if (TaskStatusNames.TryParse(r.GetString(0), out var s)) d[s] = r.GetInt32(1);
        return d;
    }

    private static readonly string CountFinishedSql =
        "SELECT status, COUNT(*) FROM tasks WHERE status IN (" +
        string.Join(",", Enum.GetValues<RiverTaskStatus>().Where(s => s.IsFinal()).Select(s => $"'{s.ToWire()}'")) +
        ") GROUP BY status";

    /// <summary>The tasks in a final status, counted by status: one grouped COUNT that reads only the status index
    /// (tasks_status), never a document. /metrics adds the unfinished tasks, which the host counts in memory.</summary>
    public Dictionary<RiverTaskStatus, long> CountFinishedByStatus()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = CountFinishedSql;
        using var r = cmd.ExecuteReader();
        var d = new Dictionary<RiverTaskStatus, long>();
        while (r.Read())
            if (TaskStatusNames.TryParse(r.GetString(0), out var s)) d[s] = r.GetInt64(1);
        return d;
    }

    private List<TaskRecord> QueryTasks(string sql, Action<SqliteParameterCollection> bind) => ReadTasks(sql, bind).ToList();

    private IEnumerable<TaskRecord> ReadTasks(string sql, Action<SqliteParameterCollection> bind)
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        bind(cmd.Parameters);
        using var r = cmd.ExecuteReader();
        while (r.Read()) yield return JsonSerializer.Deserialize(r.GetString(0), RiverJsonContext.Default.TaskDto)!.ToRecord();
    }

    private SqliteConnection OpenReader()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        return c;
    }

    private static void Exec(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void Exec(SqliteConnection c, SqliteTransaction tx, string sql) => Exec(c, sql, tx);

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    public void Dispose()
    {
        lock (_checkpointLock)
        {
            _disposed = true;
            _checkpoints.Dispose();
        }
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
