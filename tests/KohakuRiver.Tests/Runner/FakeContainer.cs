using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Tests.Runner;

/// <summary>One container of <see cref="FakeContainerEngine"/>, whose process a test drives.</summary>
internal sealed class FakeContainer(string id, string name, ContainerSpec spec)
{
    private readonly object _gate = new();
    private readonly List<ContainerEvent> _events = [];
    private TaskCompletionSource<long> _exit = NewExit();

    public string Id { get; } = id;
    public string Name { get; } = name;
    public ContainerSpec Spec { get; } = spec;
    public IReadOnlyDictionary<string, string> Labels { get; } = spec.Labels ?? [];
    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;
    public ContainerState State { get; set; } = new("created", false, false, false, false, 0, null, null);
    public Dictionary<string, int> PublishedPorts { get; } = [];

    /// <summary>Files the image ships: sshd, by default.</summary>
    public HashSet<string> Paths { get; } = ["/usr/sbin/sshd", "/root"];

    /// <summary>What the process wrote, handed to the log follower when it exits.</summary>
    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";

    public IReadOnlyList<ContainerEvent> Events
    {
        get
        {
            lock (_gate) return [.. _events];
        }
    }

    public ContainerInfo Info() => new(Id, Name, State, Labels, Spec.HostConfig?.Memory ?? 0, new Dictionary<string, int>(PublishedPorts),
        new Dictionary<string, string>());

    public void AddEvent(string action, IReadOnlyDictionary<string, string>? attributes = null)
    {
        lock (_gate) _events.Add(new ContainerEvent(Id, action, attributes ?? new Dictionary<string, string>(), DateTimeOffset.UtcNow));
    }

    /// <summary>The process starts (again): running, with <paramref name="sshPort"/> published for port 22.</summary>
    public void Begin(DateTimeOffset startedAt, int? sshPort)
    {
        lock (_gate)
        {
            if (_exit.Task.IsCompleted) _exit = NewExit();
            PublishedPorts.Clear();
            if (sshPort is { } port) PublishedPorts["22/tcp"] = port;
            State = new ContainerState("running", true, false, false, false, 0, startedAt, null);
        }
    }

    /// <summary>The process ends with <paramref name="exitCode"/>; waiters and log followers return.</summary>
    public void End(int exitCode, bool oomKilled)
    {
        TaskCompletionSource<long> exit;
        lock (_gate)
        {
            if (!State.Running && State.Status != "created") return;
            State = State with { Status = "exited", Running = false, Paused = false, ExitCode = exitCode, OomKilled = oomKilled, FinishedAt = DateTimeOffset.UtcNow };
            PublishedPorts.Clear();
            exit = _exit;
        }
        exit.TrySetResult(exitCode);
    }

    /// <summary>The process dies and the restart policy brings it straight back, with port 22 now on <paramref name="newSshPort"/>.</summary>
    public void DieAndComeBack(int exitCode, int? newSshPort)
    {
        TaskCompletionSource<long> exit;
        lock (_gate)
        {
            exit = _exit;
            _exit = NewExit();
            PublishedPorts.Clear();
            if (newSshPort is { } port) PublishedPorts["22/tcp"] = port;
            State = new ContainerState("running", true, false, false, false, 0, DateTimeOffset.UtcNow, null);
        }
        exit.TrySetResult(exitCode);
    }

    private int _waiters;

    /// <summary>How many callers are waiting for this container to exit right now.</summary>
    public int Waiters => Volatile.Read(ref _waiters);

    public async Task<long> WaitForExitAsync(CancellationToken ct)
    {
        Task<long> exit;
        lock (_gate) exit = _exit.Task;
        Interlocked.Increment(ref _waiters);
        try
        {
            return await exit.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    private static TaskCompletionSource<long> NewExit() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
