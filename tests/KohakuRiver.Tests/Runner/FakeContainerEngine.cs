using System.Text;
using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Tests.Runner;

/// <summary>
/// An engine held in memory, for testing the runner's logic without Docker. A test creates containers (as if left from
/// before a restart, or made by someone else) and scripts what their processes do: write output, exit, get OOM-killed,
/// die and be brought back by the restart policy. Calls that change containers are recorded in <see cref="Calls"/>.
/// </summary>
internal sealed class FakeContainerEngine : IContainerEngine
{
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeContainer> _containers = [];
    private int _nextId;

    /// <summary>"create NAME", "start ID", "kill ID", "stop ID", "remove ID", … in the order they came.</summary>
    private readonly List<string> _calls = [];

    /// <summary>What was asked of the engine so far, oldest first (a copy: the runner keeps calling).</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate) return [.. _calls];
        }
    }

    /// <summary>Images the engine has; <see cref="InspectImageAsync"/> knows only these.</summary>
    public HashSet<string> Images { get; } = ["kohakuriver/busybox:base", "kohakuriver/sshd:base"];

    /// <summary>Images whose containers have no sshd.</summary>
    public HashSet<string> ImagesWithoutSshd { get; } = [];

    /// <summary>Runs when a container starts (first start or restart), e.g. to script its process.</summary>
    public Action<FakeContainer>? OnStart { get; set; }

    /// <summary>Refuses a start as the engine would (no GPU runtime, say): the error it throws, or null to start.</summary>
    public Func<FakeContainer, EngineException?>? StartFailure { get; set; }

    /// <summary>The host port a VPS container's port 22 gets on its next start; null: none published.</summary>
    public int? NextSshPort { get; set; }

    public IReadOnlyList<FakeContainer> Containers
    {
        get
        {
            lock (_gate) return [.. _containers.Values];
        }
    }

    public FakeContainer? Find(string idOrName)
    {
        lock (_gate) return _containers.Values.FirstOrDefault(c => c.Id == idOrName || c.Name == idOrName);
    }

    /// <summary>Puts a container in place as if created earlier (by this runner before a restart, or by anyone).</summary>
    public FakeContainer Add(string name, IReadOnlyDictionary<string, string> labels, bool running, long memoryLimitBytes = 0)
    {
        var container = NewContainer(name, new ContainerSpec
        {
            Image = "kohakuriver/busybox:base",
            Labels = new Dictionary<string, string>(labels),
            HostConfig = new HostConfigSpec { Memory = memoryLimitBytes },
        });
        if (running) container.Begin(DateTimeOffset.UtcNow.AddMinutes(-5), null);
        return container;
    }

    private FakeContainer NewContainer(string name, ContainerSpec spec)
    {
        lock (_gate)
        {
            if (_containers.Values.Any(c => c.Name == name))
                throw new EngineException(EngineErrorKind.Conflict, $"Conflict. The container name \"/{name}\" is already in use");
            var container = new FakeContainer($"fake{++_nextId:D4}{new string('0', 60)}", name, spec);
            _containers[container.Id] = container;
            return container;
        }
    }

    private FakeContainer Get(string idOrName) =>
        Find(idOrName) ?? throw new EngineException(EngineErrorKind.NotFound, $"No such container: {idOrName}");

    private void Record(string call)
    {
        lock (_gate) _calls.Add(call);
    }

    public Task<bool> PingAsync(CancellationToken ct = default) => Task.FromResult(true);

    public Task<string> CreateContainerAsync(string name, ContainerSpec spec, CancellationToken ct = default)
    {
        Record($"create {name}");
        var container = NewContainer(name, spec);
        if (ImagesWithoutSshd.Contains(spec.Image)) container.Paths.Remove("/usr/sbin/sshd");
        return Task.FromResult(container.Id);
    }

    public Task StartContainerAsync(string id, CancellationToken ct = default)
    {
        var container = Get(id);
        Record($"start {container.Name}");
        if (StartFailure?.Invoke(container) is { } refused) throw refused;
        if (!container.State.Running)
        {
            container.Begin(DateTimeOffset.UtcNow, container.Spec.ExposedPorts?.Contains("22/tcp") == true ? NextSshPort : null);
            OnStart?.Invoke(container);
        }
        return Task.CompletedTask;
    }

    public Task StopContainerAsync(string id, int timeoutSeconds, CancellationToken ct = default)
    {
        var container = Get(id);
        Record($"stop {container.Name}");
        container.End(143, oomKilled: false);
        return Task.CompletedTask;
    }

    public Task KillContainerAsync(string id, string signal = "KILL", CancellationToken ct = default)
    {
        if (Find(id) is not { } container) return Task.CompletedTask;
        Record($"kill {container.Name}");
        if (container.State.Running)
        {
            container.AddEvent("kill", new Dictionary<string, string> { ["signal"] = signal == "KILL" ? "9" : signal });
            container.End(137, oomKilled: false);
        }
        return Task.CompletedTask;
    }

    public Task RemoveContainerAsync(string id, CancellationToken ct = default)
    {
        if (Find(id) is not { } container) return Task.CompletedTask;
        Record($"remove {container.Name}");
        lock (_gate) _containers.Remove(container.Id);
        container.End(137, oomKilled: false);
        return Task.CompletedTask;
    }

    public async Task<long> WaitContainerAsync(string id, CancellationToken ct = default) =>
        await Get(id).WaitForExitAsync(ct).ConfigureAwait(false);

    public Task<ContainerInfo?> InspectContainerAsync(string idOrName, CancellationToken ct = default) =>
        Task.FromResult(Find(idOrName)?.Info());

    public Task<IReadOnlyList<ContainerListing>> ListContainersAsync(IReadOnlyDictionary<string, string?> labels, bool all = true, CancellationToken ct = default)
    {
        IReadOnlyList<ContainerListing> found = Containers
            .Where(c => all || c.State.Running)
            .Where(c => labels.All(label => c.Labels.TryGetValue(label.Key, out var value) && (label.Value is null || label.Value == value)))
            .Select(c => new ContainerListing(c.Id, c.Name, c.Spec.Image, c.State.Status, c.Labels, c.Created))
            .ToList();
        return Task.FromResult(found);
    }

    public async Task FollowLogsToExitAsync(string id, Stream stdout, Stream stderr, CancellationToken ct = default)
    {
        var container = Get(id);
        await container.WaitForExitAsync(ct).ConfigureAwait(false);
        if (Find(id) is null) throw new EngineException(EngineErrorKind.NotFound, $"No such container: {id}");
        await stdout.WriteAsync(Encoding.UTF8.GetBytes(container.Stdout), ct).ConfigureAwait(false);
        await stderr.WriteAsync(Encoding.UTF8.GetBytes(container.Stderr), ct).ConfigureAwait(false);
    }

    public Task<ContainerEvent?> FindContainerEventAsync(string id, IReadOnlyList<string> actions, DateTimeOffset since, TimeSpan grace, CancellationToken ct = default) =>
        Task.FromResult(Find(id)?.Events.LastOrDefault(e => actions.Contains(e.Action) && e.Time >= since));

    public Task PauseContainerAsync(string id, CancellationToken ct = default)
    {
        var container = Get(id);
        if (!container.State.Running) throw new EngineException(EngineErrorKind.Conflict, $"Container {id} is not running");
        container.State = container.State with { Paused = true, Status = "paused" };
        return Task.CompletedTask;
    }

    public Task UnpauseContainerAsync(string id, CancellationToken ct = default)
    {
        var container = Get(id);
        container.State = container.State with { Paused = false, Status = container.State.Running ? "running" : container.State.Status };
        return Task.CompletedTask;
    }

    public Task RestartContainerAsync(string id, int timeoutSeconds, CancellationToken ct = default)
    {
        var container = Get(id);
        Record($"restart {container.Name}");
        container.End(143, oomKilled: false);
        container.Begin(DateTimeOffset.UtcNow, container.Spec.ExposedPorts?.Contains("22/tcp") == true ? NextSshPort : null);
        OnStart?.Invoke(container);
        return Task.CompletedTask;
    }

    public Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken ct = default)
    {
        var container = Get(id);
        Record($"put {container.Name} {path}");
        return Task.CompletedTask;
    }

    public Task<bool> PathExistsAsync(string id, string path, CancellationToken ct = default) =>
        Task.FromResult(Get(id).Paths.Contains(path));

    public Task<ExecResult> RunExecAsync(string id, IReadOnlyList<string> cmd, CancellationToken ct = default, int maxOutputBytes = int.MaxValue) =>
        Task.FromResult(new ExecResult(0, "", ""));

    public Task<ITtyExec> StartTtyExecAsync(string id, IReadOnlyList<string> cmd, int rows, int cols, CancellationToken ct = default) =>
        throw new NotSupportedException("the fake engine has no terminals");

    public Task<ImageInfo?> InspectImageAsync(string name, CancellationToken ct = default) =>
        Task.FromResult(Images.Contains(name)
            ? new ImageInfo("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name))), [name], DateTimeOffset.UnixEpoch,
                new Dictionary<string, string>(), ["/bin/sh"], 1000)
            : null);

    public Task RemoveImageAsync(string name, bool force = false, CancellationToken ct = default)
    {
        Images.Remove(name);
        return Task.CompletedTask;
    }

    public Task<string> CommitContainerAsync(string id, string repo, string tag, IReadOnlyDictionary<string, string>? labels, IReadOnlyList<string>? cmd = null,
        CancellationToken ct = default) => throw new NotSupportedException("the runner never commits");

    public Task SaveImageAsync(string name, Stream destination, CancellationToken ct = default) => throw new NotSupportedException("the runner never saves images");

    public Task LoadImageAsync(Stream tarball, CancellationToken ct = default) => throw new NotSupportedException("these tests use images already present");
}
