using Docker.DotNet.Models;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using ContainerSpec = KohakuRiver.Daemon.Engine.ContainerSpec;
using Xunit;

namespace KohakuRiver.Tests.Docker;

public sealed class DockerEngineContainerTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private DockerEngine Client => docker.Client;

    [Fact]
    public async Task Run_to_exit_gives_the_exit_code_and_demuxed_logs()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sh", "-c", "echo out; echo err >&2; exit 3"], cts.Token);

            var exit = await Client.WaitContainerAsync(id, cts.Token);

            Assert.Equal(3, exit);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            await Client.CopyLogsAsync(id, stdout, stderr, follow: false, cts.Token);
            Assert.Equal("out\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.Equal("err\n", System.Text.Encoding.UTF8.GetString(stderr.ToArray()));

            var inspect = await Client.InspectContainerAsync(id, cts.Token);
            Assert.NotNull(inspect);
            Assert.Equal(id, inspect.Id);
            Assert.Equal("exited", inspect.State.Status);
            Assert.Equal(3, inspect.State.ExitCode);
            Assert.False(inspect.State.Running);
            Assert.NotNull(inspect.State.StartedAt);
            Assert.NotNull(inspect.State.FinishedAt);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Follow_streams_output_while_the_container_runs()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            // The container holds its second line back until the test says so, so "the first line
            // arrived while it was still running" is decided by the test, not by a race with a sleep.
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(),
                ["sh", "-c", "echo first; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second >&2; echo third"], cts.Token);
            var stdout = new WatchedStream();
            var stderr = new WatchedStream();

            var follow = Client.CopyLogsAsync(id, stdout, stderr, follow: true, cts.Token);
            await stdout.WaitForAsync("first\n").WaitAsync(cts.Token);

            Assert.False(follow.IsCompleted);
            Assert.True((await Client.InspectContainerAsync(id, cts.Token))!.State!.Running);
            var touched = await Client.RunExecAsync(id, ["touch", "/tmp/go"], cts.Token);
            Assert.Equal(0, touched.ExitCode);
            await follow.WaitAsync(cts.Token);

            Assert.Equal("first\nthird\n", stdout.Text);
            Assert.Equal("second\n", stderr.Text);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Tty_container_logs_go_to_stdout_raw()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sh", "-c", "echo out; echo err >&2"], cts.Token,
                spec => spec.Tty = true);
            await Client.WaitContainerAsync(id, cts.Token);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();

            await Client.CopyLogsAsync(id, stdout, stderr, follow: true, cts.Token);

            // A TTY turns "\n" into "\r\n" and merges both streams.
            Assert.Equal("out\r\nerr\r\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.Equal(0, stderr.Length);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Following_short_lived_containers_to_their_exit_loses_no_output()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        // The engine's follow stream can end before the last lines of a container that exits right after
        // writing them; several at once make that race likely. Each must still arrive whole.
        var ids = new List<string>();
        try
        {
            var runs = Enumerable.Range(0, 8).Select(async i =>
            {
                var id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["echo", $"line {i}", "x"], cts.Token);
                lock (ids) ids.Add(id);
                var stdout = new MemoryStream();
                var stderr = new MemoryStream();
                await Client.FollowLogsToExitAsync(id, stdout, stderr, cts.Token);
                return (i, Out: System.Text.Encoding.UTF8.GetString(stdout.ToArray()), ErrLength: stderr.Length);
            }).ToList();
            foreach (var (i, output, errLength) in await Task.WhenAll(runs))
            {
                Assert.Equal($"line {i} x\n", output);
                Assert.Equal(0, errLength);
            }
        }
        finally
        {
            foreach (var id in ids) await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Large_output_arrives_complete()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            // One long line per stream: the engine cuts it into 16 KiB log entries, i.e. many frames whose
            // boundaries fall at arbitrary places in our reads. (Short lines would test the same thing but
            // cost the engine seconds of per-line JSON log handling.) Any header byte leaking into the
            // output, or any frame lost, breaks the uniform content or the length.
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(),
                ["sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' a; head -c 300000 /dev/zero | tr '\\0' E >&2"], cts.Token);
            await Client.WaitContainerAsync(id, cts.Token);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();

            await Client.CopyLogsAsync(id, stdout, stderr, follow: false, cts.Token);

            Assert.Equal(1048576, stdout.Length);
            Assert.Equal(300000, stderr.Length);
            Assert.True(stdout.ToArray().AsSpan().IndexOfAnyExcept((byte)'a') < 0, "stdout holds bytes other than the payload");
            Assert.True(stderr.ToArray().AsSpan().IndexOfAnyExcept((byte)'E') < 0, "stderr holds bytes other than the payload");
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Memory_limit_breach_is_recorded_as_an_oom_event_of_that_container()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout(40);
        string? id = null;
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        try
        {
            // A second's pause before the allocation: the engine learns of an OOM kill through a watch it sets on the
            // container's memory cgroup just after the start, and a process killed before that (dd at once, on a loaded
            // machine) leaves no oom event and no OOMKilled flag at all. Seen twice in CI on fresh clones.
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sh", "-c", "sleep 1; exec dd if=/dev/zero of=/dev/null bs=64M count=1"],
                cts.Token, spec => spec.HostConfig = new HostConfigSpec { Memory = 16 << 20, MemorySwap = 16 << 20 });

            var exit = await Client.WaitContainerAsync(id, cts.Token);

            Assert.Equal(137, exit);
            var inspect = await Client.InspectContainerAsync(id, cts.Token);
            Assert.Equal(16L << 20, inspect!.MemoryLimitBytes);
            // The OOMKilled flag can lose a race with the exit; the engine's event record cannot (the check returns as
            // soon as it is there).
            var oom = await Client.FindContainerEventAsync(id, ["oom"], since, TimeSpan.FromSeconds(10), cts.Token);
            if (oom is null)
            {
                // Say what the engine did record, so a miss can be told apart from an event that was never sent.
                var seen = await Client.GetEventsAsync(since.AddSeconds(-60), DateTimeOffset.UtcNow, ContainerFilter(id), cts.Token);
                var all = await Client.GetEventsAsync(since.AddSeconds(-60), DateTimeOffset.UtcNow, new Dictionary<string, IDictionary<string, bool>>(), cts.Token);
                var state = (await Client.InspectContainerAsync(id, cts.Token))!.State;
                Assert.Fail($"no oom event for {id} since {since:O}; its events: [{string.Join(", ", seen.Select(e => e.Action))}], " +
                            $"OOMKilled {state.OomKilled}; the engine replayed {all.Count} events in all, the oldest at " +
                            $"{(all.Count > 0 ? all[0].Time.ToString("O") : "-")}");
            }
            Assert.Equal(("oom", id), (oom.Action, oom.ContainerId));
            var events = await Client.GetEventsAsync(since, DateTimeOffset.UtcNow, ContainerFilter(id), cts.Token);
            Assert.All(events, e => Assert.Equal(id, e.ContainerId));
            Assert.Subset(events.Select(e => e.Action).ToHashSet(), new HashSet<string> { "create", "start", "oom", "die" });
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Kill_ends_the_wait_and_repeated_or_missing_kills_are_quiet()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);
            var wait = Client.WaitContainerAsync(id, cts.Token);
            Assert.False(wait.IsCompleted);

            await Client.KillContainerAsync(id, ct: cts.Token);

            var exit = await wait;
            Assert.Equal(137, exit);
            var state = (await Client.InspectContainerAsync(id, cts.Token))!.State;
            Assert.False(state.Running);
            Assert.False(state.OomKilled);
            Assert.Null(await Client.FindContainerEventAsync(id, ["oom"], DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromMilliseconds(300), cts.Token));
            var kill = await Client.FindContainerEventAsync(id, ["kill"], DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromSeconds(2), cts.Token);
            Assert.Equal("9", kill?.Attributes.GetValueOrDefault("signal"));
            await Client.KillContainerAsync(id, ct: cts.Token);
            await Client.KillContainerAsync(DockerFixture.UniqueName(), ct: cts.Token);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Wait_and_follow_end_promptly_when_cancelled()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sh", "-c", "echo up; exec sleep 60"], cts.Token);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            var stdout = new WatchedStream();
            var wait = Client.WaitContainerAsync(id, stop.Token);
            var follow = Client.CopyLogsAsync(id, stdout, Stream.Null, follow: true, stop.Token);
            await stdout.WaitForAsync("up\n").WaitAsync(cts.Token);

            stop.Cancel();

            // The client has no HTTP timeout of its own, so the token is the only way out of these.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5), cts.Token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow.WaitAsync(TimeSpan.FromSeconds(5), cts.Token));
            Assert.True((await Client.InspectContainerAsync(id, cts.Token))!.State!.Running);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Pause_and_unpause_show_in_state()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sleep", "60"], cts.Token);

            await Client.PauseContainerAsync(id, cts.Token);
            var paused = (await Client.InspectContainerAsync(id, cts.Token))!.State;
            Assert.True(paused.Paused);
            Assert.Equal("paused", paused.Status);

            await Client.UnpauseContainerAsync(id, cts.Token);
            var resumed = (await Client.InspectContainerAsync(id, cts.Token))!.State;
            Assert.False(resumed.Paused);
            Assert.True(resumed.Running);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task List_by_label_finds_only_matching_containers()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string key = "kohakuriver.test." + Guid.NewGuid().ToString("N");
        string? a = null, b = null;
        try
        {
            // Never started: listing with all=true must still see them.
            a = await Client.CreateContainerAsync(DockerFixture.UniqueName(),
                new ContainerSpec { Image = DockerFixture.BusyboxImage, Labels = new() { [key] = "a", ["other"] = "x" } }, cts.Token);
            b = await Client.CreateContainerAsync(DockerFixture.UniqueName(),
                new ContainerSpec { Image = DockerFixture.BusyboxImage, Labels = new() { [key] = "b" } }, cts.Token);

            var onlyA = await Client.ListContainersAsync(new Dictionary<string, string?> { [key] = "a" }, ct: cts.Token);
            var both = await Client.ListContainersAsync(new Dictionary<string, string?> { [key] = null }, ct: cts.Token);
            var running = await Client.ListContainersAsync(new Dictionary<string, string?> { [key] = null }, all: false, cts.Token);

            var summary = Assert.Single(onlyA);
            Assert.Equal(a, summary.Id);
            Assert.Equal("created", summary.State);
            Assert.Equal("a", summary.Labels[key]);
            Assert.StartsWith(DockerFixture.NamePrefix, summary.Name);
            Assert.True(summary.Created > DateTimeOffset.UtcNow.AddHours(-1), $"created {summary.Created:O}");
            Assert.Equal(new[] { a, b }.Order(), both.Select(c => c.Id).Order());
            Assert.Empty(running);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(a);
            await docker.RemoveQuietlyAsync(b);
        }
    }

    [Fact]
    public async Task Create_passes_the_spec_and_a_taken_name_is_a_409()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string name = DockerFixture.UniqueName();
        string? id = null;
        try
        {
            id = await Client.CreateContainerAsync(name, new ContainerSpec
            {
                Image = DockerFixture.BusyboxImage,
                Cmd = ["sleep", "60"],
                Env = ["A=1"],
                WorkingDir = "/tmp",
                ExposedPorts = ["22/tcp"],
                HostConfig = new HostConfigSpec
                {
                    NanoCpus = 500_000_000,
                    PidsLimit = 64,
                    RestartPolicy = new RestartPolicySpec { Name = "no" },
                    // Empty HostPort: the engine picks a free one, reported in NetworkSettings once started.
                    PortBindings = new() { ["22/tcp"] = [new PortBindingSpec { HostIp = "127.0.0.1", HostPort = "" }] },
                },
            }, cts.Token);

            var info = await Client.InspectContainerAsync(name, cts.Token);
            Assert.Equal(id, info!.Id);
            Assert.Equal(name, info.Name);
            // The rest of the spec as the engine holds it, read with the library itself.
            var inspect = await Client.Client.Containers.InspectContainerAsync(name, cts.Token);
            Assert.Contains("A=1", inspect.Config!.Env);
            Assert.Equal(["sleep", "60"], inspect.Config.Cmd);
            Assert.Equal("/tmp", inspect.Config.WorkingDir);
            Assert.Equal(500_000_000, inspect.HostConfig!.NanoCPUs);
            Assert.Equal(64, inspect.HostConfig.PidsLimit);
            Assert.Equal(RestartPolicyKind.No, inspect.HostConfig.RestartPolicy.Name);
            Assert.Contains("22/tcp", inspect.Config.ExposedPorts!.Keys);
            Assert.Equal("127.0.0.1", Assert.Single(inspect.HostConfig.PortBindings["22/tcp"]).HostIP);
            Assert.Empty(info.PublishedPorts);

            var e = await Assert.ThrowsAsync<EngineException>(() =>
                Client.CreateContainerAsync(name, new ContainerSpec { Image = DockerFixture.BusyboxImage }, cts.Token));
            Assert.Equal(EngineErrorKind.Conflict, e.Kind);
            Assert.Contains("already in use", e.Message);

            await Client.StartContainerAsync(id, cts.Token);
            await Client.StartContainerAsync(id, cts.Token); // the engine answers 304: already started

            var running = await Client.InspectContainerAsync(id, cts.Token);
            Assert.Contains((await Client.Client.Containers.InspectContainerAsync(id, cts.Token)).NetworkSettings!.Networks.Values, network => !string.IsNullOrEmpty(network.IPAddress));
            Assert.True(running!.PublishedPorts["22/tcp"] > 0, $"HostPort {running.PublishedPorts["22/tcp"]}");
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Missing_containers_read_as_null_remove_quietly_and_fail_other_calls_with_404()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string missing = DockerFixture.UniqueName();

        Assert.Null(await Client.InspectContainerAsync(missing, cts.Token));
        await Client.RemoveContainerAsync(missing, cts.Token);
        await Client.KillContainerAsync(missing, ct: cts.Token);
        var e = await Assert.ThrowsAsync<EngineException>(() => Client.StartContainerAsync(missing, cts.Token));
        Assert.Equal(EngineErrorKind.NotFound, e.Kind);
        Assert.Contains("No such container", e.Message);
        var logs = await Assert.ThrowsAsync<EngineException>(() =>
            Client.CopyLogsAsync(missing, Stream.Null, Stream.Null, follow: false, cts.Token));
        Assert.Equal(EngineErrorKind.NotFound, logs.Kind);
        var follow = await Assert.ThrowsAsync<EngineException>(() => Client.FollowLogsToExitAsync(missing, Stream.Null, Stream.Null, cts.Token));
        Assert.Equal(EngineErrorKind.NotFound, follow.Kind);
    }

    [Fact]
    public async Task Unreachable_socket_pings_false_and_calls_fail_as_unavailable()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kohakuriver-no-docker-{Guid.NewGuid():N}.sock");
        using var client = new DockerEngine(path);
        using var cts = DockerFixture.Timeout();

        Assert.False(await client.PingAsync(cts.Token));
        var e = await Assert.ThrowsAsync<EngineException>(() => client.InspectContainerAsync("x", cts.Token));
        Assert.Equal(EngineErrorKind.Unavailable, e.Kind);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, client.SocketPath);
    }

    private static Dictionary<string, IDictionary<string, bool>> ContainerFilter(string id) =>
        new() { ["container"] = new Dictionary<string, bool> { [id] = true } };
}
