using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Storage;
using Xunit;

namespace KohakuRiver.Tests.Host;

public sealed class HostStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.Combine("data", "kohakuriver.db");

    private static TaskRecord NewTask(long id, long batch, RiverTaskStatus status = RiverTaskStatus.Pending, string? node = null) => new()
    {
        TaskId = id,
        BatchId = batch,
        Command = $"echo {id}",
        Status = status,
        NodeName = node,
        RequiredCores = 1,
        SubmittedAt = T0,
    };

    private static TaskRecord Large(TaskRecord task)
    {
        task.Command = new string('x', 400);
        return task;
    }

    private static List<long> Ids(IEnumerable<TaskRecord> tasks) => tasks.Select(t => t.TaskId).ToList();

    [Fact]
    public void The_data_dir_and_the_database_are_the_daemon_users_alone_even_when_an_older_start_left_them_wider()
    {
        const UnixFileMode dirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode fileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var store = new HostStore(DbPath))
        {
            store.InsertBatch(1, T0, [NewTask(1, 1)]);
            Assert.Equal(dirMode, File.GetUnixFileMode(Path.GetDirectoryName(DbPath)!));
            Assert.Equal(fileMode, File.GetUnixFileMode(DbPath));
            Assert.Equal(fileMode, File.GetUnixFileMode(DbPath + "-wal"));
        }
        var wide = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(Path.GetDirectoryName(DbPath)!, wide | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(DbPath, wide);
        using (new HostStore(DbPath))
        {
            Assert.Equal(dirMode, File.GetUnixFileMode(Path.GetDirectoryName(DbPath)!));
            Assert.Equal(fileMode, File.GetUnixFileMode(DbPath));
        }
    }

    [Fact]
    public void Commits_leave_the_log_to_the_checkpoint_which_copies_it_into_the_database_file()
    {
        using var store = new HostStore(DbPath, new StoppedTimers());
        var before = new FileInfo(DbPath).Length;
        // Well past the 1,000 pages at which SQLite would otherwise copy the log back inside a commit.
        for (var batch = 1; batch <= 40; batch++)
            store.InsertBatch(batch * 1000, T0, Enumerable.Range(0, 100).Select(i => Large(NewTask(batch * 1000 + i, batch * 1000))).ToList());
        Assert.True(new FileInfo(DbPath + "-wal").Length > 1000 * 4096L, "the log holds every commit");
        Assert.Equal(before, new FileInfo(DbPath).Length);

        store.Checkpoint();

        Assert.True(new FileInfo(DbPath).Length > before + (1 << 20), $"the database file is {new FileInfo(DbPath).Length} bytes after the checkpoint");
        Assert.Equal(4000, store.ListTasks(null, null, null, 5000, 0).Count);
    }

    [Fact]
    public void A_new_store_creates_its_directory_and_is_empty()
    {
        using var store = new HostStore(DbPath);
        Assert.True(File.Exists(DbPath));
        Assert.Empty(store.ListTasks(null, null, null, 100, 0));
        Assert.Empty(store.LoadNodes());
        Assert.Empty(store.LoadUnfinishedTasks());
        Assert.Empty(store.CountByStatus());
        Assert.Null(store.GetTask(1));
    }

    [Fact]
    public void An_inserted_batch_reads_back_whole()
    {
        using var store = new HostStore(DbPath);
        var t = NewTask(10, 10);
        t.Arguments = ["-c", "x"];
        t.EnvVars = new Dictionary<string, string> { ["A"] = "B" };
        t.RequiredMemoryBytes = 1L << 30;
        t.TargetNumaNodeId = 1;
        store.InsertBatch(10, T0, [t, NewTask(11, 10)]);

        var back = store.GetTask(10)!;
        Assert.Equal(10L, back.TaskId);
        Assert.Equal(10L, back.BatchId);
        Assert.Equal("echo 10", back.Command);
        Assert.Equal(["-c", "x"], back.Arguments);
        Assert.Equal("B", back.EnvVars["A"]);
        Assert.Equal(1L << 30, back.RequiredMemoryBytes);
        Assert.Equal(1, back.TargetNumaNodeId);
        Assert.Equal(RiverTaskStatus.Pending, back.Status);
        Assert.Equal(T0, back.SubmittedAt);
        Assert.Equal([10L, 11L], Ids(store.GetTasks([10, 11, 999]).OrderBy(x => x.TaskId)));
    }

    [Fact]
    public void A_batch_with_a_duplicate_id_stores_nothing()
    {
        using var store = new HostStore(DbPath);
        store.InsertBatch(1, T0, [NewTask(1, 1)]);
        Assert.ThrowsAny<Exception>(() => store.InsertBatch(2, T0, [NewTask(2, 2), NewTask(1, 2)]));
        Assert.Null(store.GetTask(2));
        Assert.Equal([1L], Ids(store.ListTasks(null, null, null, 10, 0)));
    }

    [Fact]
    public void Updates_change_status_node_and_document()
    {
        using var store = new HostStore(DbPath);
        store.InsertBatch(1, T0, [NewTask(1, 1), NewTask(2, 1)]);
        var t = store.GetTask(1)!;
        t.Status = RiverTaskStatus.Completed;
        t.NodeName = "n1";
        t.ExitCode = 3;
        var u = store.GetTask(2)!;
        u.Status = RiverTaskStatus.Running;
        u.NodeName = "n2";
        store.UpdateTasks([t, u]);

        var back = store.GetTask(1)!;
        Assert.Equal(RiverTaskStatus.Completed, back.Status);
        Assert.Equal("n1", back.NodeName);
        Assert.Equal(3, back.ExitCode);
        Assert.Equal([1L], Ids(store.ListTasks(RiverTaskStatus.Completed, null, null, 10, 0)));
        Assert.Equal([2L], Ids(store.ListTasks(null, "n2", null, 10, 0)));

        u.Status = RiverTaskStatus.Failed;
        store.UpdateTask(u);
        Assert.Equal(RiverTaskStatus.Failed, store.GetTask(2)!.Status);
        store.UpdateTasks([]); // nothing to do, no error
    }

    [Fact]
    public void Listing_is_newest_first_filtered_by_status_node_and_batch_and_paged()
    {
        using var store = new HostStore(DbPath);
        store.InsertBatch(1, T0, [NewTask(1, 1, RiverTaskStatus.Completed, "a"), NewTask(2, 1, RiverTaskStatus.Running, "b"), NewTask(3, 1, RiverTaskStatus.Running, "a")]);
        store.InsertBatch(4, T0, [NewTask(4, 4, RiverTaskStatus.Running, "a"), NewTask(5, 4)]);

        Assert.Equal([5L, 4, 3, 2, 1], Ids(store.ListTasks(null, null, null, 100, 0)));
        Assert.Equal([4L, 3, 2], Ids(store.ListTasks(RiverTaskStatus.Running, null, null, 100, 0)));
        Assert.Equal([4L, 3, 1], Ids(store.ListTasks(null, "a", null, 100, 0)));
        Assert.Equal([3L, 2, 1], Ids(store.ListTasks(null, null, 1, 100, 0)));
        Assert.Equal([3L], Ids(store.ListTasks(RiverTaskStatus.Running, "a", 1, 100, 0)));
        Assert.Equal([4L, 3], Ids(store.ListTasks(null, null, null, 2, 1)));
        Assert.Equal([1L], Ids(store.ListTasks(null, null, null, 2, 4)));
        Assert.Empty(store.ListTasks(null, null, null, 2, 5));
        Assert.Empty(store.ListTasks(RiverTaskStatus.Lost, null, null, 100, 0));
    }

    [Fact]
    public void Counts_by_status()
    {
        using var store = new HostStore(DbPath);
        store.InsertBatch(1, T0, [NewTask(1, 1), NewTask(2, 1), NewTask(3, 1, RiverTaskStatus.KilledOom)]);
        var counts = store.CountByStatus();
        Assert.Equal(2, counts.Count);
        Assert.Equal(2, counts[RiverTaskStatus.Pending]);
        Assert.Equal(1, counts[RiverTaskStatus.KilledOom]);
    }

    [Fact]
    public void Unfinished_tasks_reload_oldest_first_and_exclude_every_final_status()
    {
        using var store = new HostStore(DbPath);
        var finals = Enum.GetValues<RiverTaskStatus>().Where(s => s.IsFinal()).ToList();
        var tasks = new List<TaskRecord>
        {
            NewTask(30, 1, RiverTaskStatus.Running, "a"),
            NewTask(10, 1),
            NewTask(20, 1, RiverTaskStatus.Assigning, "b"),
            NewTask(25, 1, RiverTaskStatus.Paused, "a"),
        };
        tasks.AddRange(finals.Select((s, i) => NewTask(100 + i, 1, s)));
        store.InsertBatch(1, T0, tasks);

        Assert.Equal([10L, 20, 25, 30], Ids(store.LoadUnfinishedTasks()));
    }

    [Fact]
    public void Nodes_are_upserted_and_loaded_by_name()
    {
        using var store = new HostStore(DbPath);
        store.UpsertNode(new NodeRecord
        {
            Hostname = "zeta",
            Registration = new RegisterRequest { Hostname = "zeta", Url = "http://z:8001", TotalCores = 4, TotalRamBytes = 100 },
            Status = NodeStatus.Online,
            LastHeartbeat = T0,
        });
        store.UpsertNode(new NodeRecord
        {
            Hostname = "alpha",
            Registration = new RegisterRequest
            {
                Hostname = "alpha", Url = "http://a:8001", TotalCores = 2, TotalRamBytes = 50,
                NumaTopology = new() { ["0"] = new NumaNodeInfo { Cores = [0, 1], MemoryBytes = 50 } },
                GpuInfo = [new GpuInfo { GpuId = 0, Name = "T4" }],
            },
            Status = NodeStatus.Offline,
        });
        store.UpsertNode(new NodeRecord
        {
            Hostname = "zeta",
            Registration = new RegisterRequest { Hostname = "zeta", Url = "http://z2:8001", TotalCores = 8, TotalRamBytes = 200 },
            Status = NodeStatus.Offline,
            LastHeartbeat = T0.AddMinutes(1),
        });

        var nodes = store.LoadNodes();
        Assert.Equal(["alpha", "zeta"], nodes.Select(n => n.Hostname));
        Assert.Equal(NodeStatus.Offline, nodes[0].Status);
        Assert.Null(nodes[0].LastHeartbeat);
        Assert.Equal([0, 1], nodes[0].Registration.NumaTopology!["0"].Cores);
        Assert.Equal("T4", nodes[0].Registration.GpuInfo![0].Name);
        Assert.Equal("http://z2:8001", nodes[1].Registration.Url);
        Assert.Equal(8, nodes[1].Registration.TotalCores);
        Assert.Equal(NodeStatus.Offline, nodes[1].Status);
        Assert.Equal(T0.AddMinutes(1), nodes[1].LastHeartbeat);
    }

    [Fact]
    public void Everything_survives_dispose_and_reopen()
    {
        using (var store = new HostStore(DbPath))
        {
            store.InsertBatch(7, T0, [NewTask(7, 7), NewTask(8, 7, RiverTaskStatus.Completed, "n")]);
            var t = store.GetTask(7)!;
            t.Status = RiverTaskStatus.Running;
            t.NodeName = "n";
            store.UpdateTask(t);
            store.UpsertNode(new NodeRecord
            {
                Hostname = "n",
                Registration = new RegisterRequest { Hostname = "n", Url = "http://n:1", TotalCores = 1, TotalRamBytes = 1 },
                Status = NodeStatus.Online,
                LastHeartbeat = T0,
            });
        }

        using var reopened = new HostStore(DbPath);
        Assert.Equal([8L, 7], Ids(reopened.ListTasks(null, null, 7, 10, 0)));
        var running = Assert.Single(reopened.LoadUnfinishedTasks());
        Assert.Equal(7L, running.TaskId);
        Assert.Equal(RiverTaskStatus.Running, running.Status);
        Assert.Equal("n", running.NodeName);
        var node = Assert.Single(reopened.LoadNodes());
        Assert.Equal("n", node.Hostname);
        Assert.Equal(T0, node.LastHeartbeat);
    }
}
