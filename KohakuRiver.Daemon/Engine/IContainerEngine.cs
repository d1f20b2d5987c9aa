namespace KohakuRiver.Daemon.Engine;

/// <summary>
/// The container operations the host and the runner use, and nothing more. Every failure is an
/// <see cref="EngineException"/>; calls whose goal already holds (removing a container that is gone, killing one that
/// is not running) succeed quietly.
/// </summary>
public interface IContainerEngine
{
    /// <summary>True when the engine answers; false (never an exception) when it cannot be reached.</summary>
    Task<bool> PingAsync(CancellationToken ct = default);

    /// <summary>Creates a container and returns its id. A name already in use is a <see cref="EngineErrorKind.Conflict"/>.</summary>
    Task<string> CreateContainerAsync(string name, ContainerSpec spec, CancellationToken ct = default);

    /// <summary>Starts a container; one already running is fine.</summary>
    Task StartContainerAsync(string id, CancellationToken ct = default);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="timeoutSeconds"/>. A stopped container stays stopped under
    /// an unless-stopped restart policy (a kill would be restarted). Already stopped is fine.</summary>
    Task StopContainerAsync(string id, int timeoutSeconds, CancellationToken ct = default);

    /// <summary>Sends a signal; a container that is missing or not running is not an error (the goal, "it is not
    /// running", holds).</summary>
    Task KillContainerAsync(string id, string signal = "KILL", CancellationToken ct = default);

    /// <summary>Removes a container (forcibly) with its anonymous volumes. Missing is not an error, nor is a removal the
    /// engine is already doing.</summary>
    Task RemoveContainerAsync(string id, CancellationToken ct = default);

    /// <summary>Blocks until the container is not running and returns its exit code.</summary>
    Task<long> WaitContainerAsync(string id, CancellationToken ct = default);

    /// <summary>Inspects a container by id or name; null when it does not exist.</summary>
    Task<ContainerInfo?> InspectContainerAsync(string idOrName, CancellationToken ct = default);

    /// <summary>Containers carrying all the given labels: a value filters on <c>key=value</c>, a null value on the
    /// key's presence. <paramref name="all"/> includes stopped containers.</summary>
    Task<IReadOnlyList<ContainerListing>> ListContainersAsync(IReadOnlyDictionary<string, string?> labels, bool all = true,
        CancellationToken ct = default);

    /// <summary>
    /// Copies a container's output while it runs and returns once it has stopped with all of it copied, even when the
    /// engine's follow stream ends before the last lines (or stays open after the exit). A TTY container has one
    /// stream, which goes to <paramref name="stdout"/>.
    /// </summary>
    Task FollowLogsToExitAsync(string id, Stream stdout, Stream stderr, CancellationToken ct = default);

    /// <summary>The latest of the events <paramref name="actions"/> (<c>oom</c>, <c>kill</c>, …) the engine recorded for
    /// the container since <paramref name="since"/>, waiting up to <paramref name="grace"/> for one that arrives late;
    /// null when none.</summary>
    Task<ContainerEvent?> FindContainerEventAsync(string id, IReadOnlyList<string> actions, DateTimeOffset since, TimeSpan grace,
        CancellationToken ct = default);

    Task PauseContainerAsync(string id, CancellationToken ct = default);

    Task UnpauseContainerAsync(string id, CancellationToken ct = default);

    /// <summary>Stop (SIGTERM, SIGKILL after <paramref name="timeoutSeconds"/>) then start again.</summary>
    Task RestartContainerAsync(string id, int timeoutSeconds, CancellationToken ct = default);

    /// <summary>Extracts a tar stream into the container under <paramref name="path"/>, an existing directory. Works on
    /// a created container that has never started, so files are in place before its first process runs.</summary>
    Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken ct = default);

    /// <summary>Whether <paramref name="path"/> exists in the container's file system (running or not). A missing
    /// container is a <see cref="EngineErrorKind.NotFound"/>, not "false".</summary>
    Task<bool> PathExistsAsync(string id, string path, CancellationToken ct = default);

    /// <summary>Runs a command in a running container without a TTY and returns its exit code and output (UTF-8). Past
    /// <paramref name="maxOutputBytes"/> per stream the output is read and dropped, so a chatty command cannot fill
    /// memory.</summary>
    Task<ExecResult> RunExecAsync(string id, IReadOnlyList<string> cmd, CancellationToken ct = default, int maxOutputBytes = int.MaxValue);

    /// <summary>Starts <paramref name="cmd"/> in a running container with a terminal of <paramref name="rows"/> x
    /// <paramref name="cols"/> and stdin, stdout and stderr attached to it. The caller disposes the exec (and hangs it
    /// up first when it should end). A container that is not running is a <see cref="EngineErrorKind.Conflict"/>.</summary>
    Task<ITtyExec> StartTtyExecAsync(string id, IReadOnlyList<string> cmd, int rows, int cols, CancellationToken ct = default);

    /// <summary>Inspects an image by name or id; null when it does not exist.</summary>
    Task<ImageInfo?> InspectImageAsync(string name, CancellationToken ct = default);

    /// <summary>Removes (untags) an image; a missing one is not an error, one a container uses is a
    /// <see cref="EngineErrorKind.Conflict"/> unless <paramref name="force"/>.</summary>
    Task RemoveImageAsync(string name, bool force = false, CancellationToken ct = default);

    /// <summary>Snapshots a container as <paramref name="repo"/>:<paramref name="tag"/> and returns the image id. The
    /// engine merges the container's labels into the image's; <paramref name="labels"/> win. <paramref name="cmd"/> sets
    /// the image's CMD (null keeps the container's).</summary>
    Task<string> CommitContainerAsync(string id, string repo, string tag, IReadOnlyDictionary<string, string>? labels,
        IReadOnlyList<string>? cmd = null, CancellationToken ct = default);

    /// <summary>Streams the <c>docker save</c> tarball of one image into <paramref name="destination"/>.</summary>
    Task SaveImageAsync(string name, Stream destination, CancellationToken ct = default);

    /// <summary>Loads a <c>docker save</c> tarball. A load the engine reports as failed inside its answer is an
    /// <see cref="EngineException"/> with the engine's message.</summary>
    Task LoadImageAsync(Stream tarball, CancellationToken ct = default);
}
