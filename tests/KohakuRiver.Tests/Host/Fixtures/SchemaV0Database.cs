using Microsoft.Data.Sqlite;

namespace KohakuRiver.Tests.Host.Fixtures;

/// <summary>
/// A host database as the daemon wrote it before its schema carried a version (version 0): the schema statements and
/// rows below are copied verbatim from what that daemon executed and serialized (the task documents are the wire JSON
/// of its tasks), so a test can check that today's store upgrades such a file and finds every task in it.
/// </summary>
public static class SchemaV0Database
{
    /// <summary>Five tasks: a finished and a running command in one batch, a queued command, a running VPS with an
    /// uploaded key, and a stopped VPS without SSH.</summary>
    public static readonly long[] TaskIds =
    [
        7300000000000000001, 7300000000000000002, 7300000000000000003, 7300000000000000004, 7300000000000000005,
    ];

    public const string Schema = """
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
        """;

    public const string Rows = """
            INSERT INTO nodes(hostname, registration, status, last_heartbeat) VALUES ('node-a', '{"hostname":"node-a","url":"http://10.0.0.11:8001","total_cores":16,"total_ram_bytes":68719476736,"runner_version":"0.9.0"}', 'online', '2026-11-30T09:40:00.0000000+00:00');
            INSERT INTO nodes(hostname, registration, status, last_heartbeat) VALUES ('node-b', '{"hostname":"node-b","url":"http://10.0.0.12:8001","total_cores":8,"total_ram_bytes":34359738368,"runner_version":"0.9.0"}', 'offline', '2026-11-30T09:20:00.0000000+00:00');
            INSERT INTO batches(batch_id, submitted_at, task_count) VALUES (7300000000000000001, '2026-11-30T09:00:00.0000000+00:00', 2);
            INSERT INTO batches(batch_id, submitted_at, task_count) VALUES (7300000000000000003, '2026-11-30T09:01:00.0000000+00:00', 1);
            INSERT INTO batches(batch_id, submitted_at, task_count) VALUES (7300000000000000004, '2026-11-30T09:02:00.0000000+00:00', 1);
            INSERT INTO batches(batch_id, submitted_at, task_count) VALUES (7300000000000000005, '2026-11-30T09:03:00.0000000+00:00', 1);
            INSERT INTO tasks(task_id, batch_id, status, assigned_node, document) VALUES (7300000000000000001, 7300000000000000001, 'completed', 'node-a', '{"task_id":"7300000000000000001","task_type":"command","batch_id":"7300000000000000001","name":"sweep a=1","command":"python","arguments":["train.py","--a","1"],"env_vars":{"SEED":"1"},"parameters":{"a":"1"},"required_cores":2,"required_memory_bytes":1073741824,"pids_limit":512,"status":"completed","assigned_node":"node-a","container_name":"kohakuriver-base","docker_image_name":"kohakuriver/kohakuriver-base:base","privileged":false,"additional_mounts":[],"stdout_path":"/var/lib/kohakuriver/logs/7300000000000000001.out","stderr_path":"/var/lib/kohakuriver/logs/7300000000000000001.err","exit_code":0,"submitted_at":"2026-11-30T09:00:00+00:00","started_at":"2026-11-30T09:00:02+00:00","completed_at":"2026-11-30T09:01:00+00:00"}');
            INSERT INTO tasks(task_id, batch_id, status, assigned_node, document) VALUES (7300000000000000002, 7300000000000000001, 'running', 'node-a', '{"task_id":"7300000000000000002","task_type":"command","batch_id":"7300000000000000001","command":"sleep","arguments":["600"],"env_vars":{},"parameters":{},"required_cores":1,"required_gpus":[0],"required_memory_bytes":268435456,"pids_limit":512,"target_hostname":"node-a","target_numa_node_id":0,"status":"running","assigned_node":"node-a","container_name":"kohakuriver-base","docker_image_name":"kohakuriver/kohakuriver-base:base","privileged":false,"additional_mounts":["/data:/data:ro"],"stdout_path":"/var/lib/kohakuriver/logs/7300000000000000002.out","stderr_path":"/var/lib/kohakuriver/logs/7300000000000000002.err","submitted_at":"2026-11-30T09:00:00+00:00","started_at":"2026-11-30T09:00:03+00:00"}');
            INSERT INTO tasks(task_id, batch_id, status, assigned_node, document) VALUES (7300000000000000003, 7300000000000000003, 'pending', NULL, '{"task_id":"7300000000000000003","task_type":"command","batch_id":"7300000000000000003","command":"echo queued","arguments":[],"env_vars":{},"parameters":{},"required_cores":1,"required_memory_bytes":134217728,"pids_limit":512,"status":"pending","registry_image":"docker.io/library/alpine:3.20","docker_image_name":"docker.io/library/alpine:3.20","privileged":false,"additional_mounts":[],"stdout_path":"/var/lib/kohakuriver/logs/7300000000000000003.out","stderr_path":"/var/lib/kohakuriver/logs/7300000000000000003.err","submitted_at":"2026-11-30T09:01:00+00:00"}');
            INSERT INTO tasks(task_id, batch_id, status, assigned_node, document) VALUES (7300000000000000004, 7300000000000000004, 'running', 'node-b', '{"task_id":"7300000000000000004","task_type":"vps","batch_id":"7300000000000000004","name":"dev box","command":"sshd","arguments":[],"env_vars":{},"parameters":{},"required_cores":2,"required_memory_bytes":2147483648,"pids_limit":1024,"status":"running","assigned_node":"node-b","container_name":"kohakuriver-sshd","docker_image_name":"kohakuriver/kohakuriver-sshd:base","privileged":false,"additional_mounts":[],"ssh_port":2201,"ssh_key_mode":"upload","ssh_public_key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixtureKeyFixtureKeyFixtureKeyFixtureKey0 user@laptop","stdout_path":"/var/lib/kohakuriver/logs/7300000000000000004.out","stderr_path":"/var/lib/kohakuriver/logs/7300000000000000004.err","submitted_at":"2026-11-30T09:02:00+00:00","started_at":"2026-11-30T09:02:05+00:00"}');
            INSERT INTO tasks(task_id, batch_id, status, assigned_node, document) VALUES (7300000000000000005, 7300000000000000005, 'stopped', 'node-b', '{"task_id":"7300000000000000005","task_type":"vps","batch_id":"7300000000000000005","command":"sshd","arguments":[],"env_vars":{},"parameters":{},"required_cores":1,"required_memory_bytes":536870912,"pids_limit":1024,"status":"stopped","assigned_node":"node-b","container_name":"kohakuriver-sshd","docker_image_name":"kohakuriver/kohakuriver-sshd:base","privileged":false,"additional_mounts":[],"ssh_key_mode":"disabled","stdout_path":"/var/lib/kohakuriver/logs/7300000000000000005.out","stderr_path":"/var/lib/kohakuriver/logs/7300000000000000005.err","error_message":"stopped by user","submitted_at":"2026-11-30T09:03:00+00:00","started_at":"2026-11-30T09:03:04+00:00","completed_at":"2026-11-30T09:30:00+00:00"}');
        """;

    /// <summary>Writes the version-0 database at <paramref name="path"/> (its directory must exist).</summary>
    public static void Write(string path)
    {
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;" + Schema + Rows;
            command.ExecuteNonQuery();
        }
    }
}
