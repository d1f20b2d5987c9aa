using System.Text.Json;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Tests.Host.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>The store's schema carries a version: old databases are upgraded in place, newer ones refused untouched.</summary>
public sealed class HostStoreSchemaTests : IDisposable
{
    private readonly TempDir _dir = new();

    public HostStoreSchemaTests() => Directory.CreateDirectory(_dir.Combine("data"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private string DbPath => _dir.Combine("data", "kohakuriver.db");

    private long UserVersion()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private Dictionary<long, string> StoredDocuments()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT task_id, document FROM tasks";
        using var reader = command.ExecuteReader();
        var documents = new Dictionary<long, string>();
        while (reader.Read()) documents[reader.GetInt64(0)] = reader.GetString(1);
        return documents;
    }

    [Fact]
    public void A_new_database_is_written_at_the_current_version()
    {
        using var store = new HostStore(DbPath);
        Assert.Equal(HostStore.SchemaVersion, store.StoredSchemaVersion);
        Assert.Equal(1, HostStore.SchemaVersion);
    }

    [Fact]
    public void A_version_0_database_is_upgraded_in_place_and_every_task_and_node_is_found()
    {
        SchemaV0Database.Write(DbPath);
        Assert.Equal(0, UserVersion());
        var before = StoredDocuments();

        using (var store = new HostStore(DbPath))
        {
            Assert.Equal(1, store.StoredSchemaVersion);
            Assert.Equal(SchemaV0Database.TaskIds, store.GetTasks(SchemaV0Database.TaskIds).Select(t => t.TaskId).Order());
            Assert.Equal(SchemaV0Database.TaskIds.Reverse(), store.ListTasks(null, null, null, 100, 0).Select(t => t.TaskId));
            Assert.Equal([SchemaV0Database.TaskIds[1], SchemaV0Database.TaskIds[2], SchemaV0Database.TaskIds[3]],
                store.LoadUnfinishedTasks().Select(t => t.TaskId));
            // The kind column the migration added was filled from each stored document.
            Assert.Equal([SchemaV0Database.TaskIds[4], SchemaV0Database.TaskIds[3]], store.ListTasks(null, null, null, 100, 0, TaskKind.Vps).Select(t => t.TaskId));
            Assert.Equal(3, store.ListTasks(null, null, null, 100, 0, TaskKind.Command).Count);
            Assert.Equal(["node-a", "node-b"], store.LoadNodes().Select(n => n.Hostname));
            Assert.Equal(SchemaV0Database.TaskIds[^1], store.MaxTaskId());

            var vps = store.GetTask(SchemaV0Database.TaskIds[3])!;
            Assert.Equal((TaskKind.Vps, SshKeyMode.Upload, 2201), (vps.Kind, vps.KeyMode, vps.SshPort));
            Assert.StartsWith("ssh-ed25519 ", vps.SshPublicKey);
            Assert.Equal(SshKeyMode.Disabled, store.GetTask(SchemaV0Database.TaskIds[4])!.KeyMode);
            Assert.Null(store.GetTask(SchemaV0Database.TaskIds[0])!.KeyMode);

            // Read into records and written back as wire JSON, every task is byte for byte what version 0 stored.
            foreach (var (id, document) in before)
                Assert.Equal(document, JsonSerializer.Serialize(store.GetTask(id)!.ToWire(), RiverJsonContext.Default.TaskDto));
        }
        Assert.Equal(1, UserVersion());

        // A second opening finds nothing to migrate and the same tasks.
        using var reopened = new HostStore(DbPath);
        Assert.Equal(5, reopened.ListTasks(null, null, null, 100, 0).Count);
    }

    [Fact]
    public void The_host_restores_a_version_0_databases_unfinished_tasks_and_queue()
    {
        SchemaV0Database.Write(DbPath);
        var settings = new DaemonSettings { DataDir = _dir.Combine("data"), SharedDir = _dir.Combine("shared"), LocalTempDir = _dir.Combine("local") };
        using var store = new HostStore(DbPath);
        var state = new ClusterState(store, settings, new FakeTime(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero)), NullLogger<ClusterState>.Instance);

        var health = state.Health();
        Assert.Equal((2, 1, 2), (health.TotalNodes, health.PendingTasks, health.RunningTasks));
        Assert.Equal(RiverTaskStatus.Running, state.GetTask(SchemaV0Database.TaskIds[3])!.Status);
        Assert.Equal(RiverTaskStatus.Completed, state.GetTask(SchemaV0Database.TaskIds[0])!.Status);
        // New ids continue above the stored ones.
        Assert.True(long.Parse(state.Submit([new SubmitRequest { Command = "true" }]).TaskIds[0]) > SchemaV0Database.TaskIds[^1]);
    }

    [Fact]
    public void A_database_from_a_newer_daemon_is_refused_with_a_clear_message_and_left_unchanged()
    {
        using (var store = new HostStore(DbPath))
            store.InsertBatch(1, DateTimeOffset.UnixEpoch, [new TaskRecord { TaskId = 1, BatchId = 1, Command = "true", RequiredCores = 1 }]);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 7; PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(DbPath);

        var e = Assert.Throws<SchemaTooNewException>(() => new HostStore(DbPath));

        Assert.Equal(7, e.Found);
        Assert.Contains("schema version 7", e.Message);
        Assert.Contains("knows only up to version 1", e.Message);
        Assert.Contains("newer KohakuRiver", e.Message);
        SqliteConnection.ClearAllPools();
        Assert.Equal(bytes, File.ReadAllBytes(DbPath));
        Assert.Equal(7, UserVersion());
    }
}
