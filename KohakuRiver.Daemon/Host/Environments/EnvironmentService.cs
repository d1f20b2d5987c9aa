using System.Collections.Concurrent;
using System.Text.Json;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Access;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Environments;
using KohakuRiver.Daemon.Host.Submission;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Host.Environments;

/// <summary>
/// Environments on the host: a long-lived container per environment that people change (install software), then
/// publish: commit to <c>kohakuriver/name:base</c> labelled with the publish time and save it as a versioned tarball
/// in the shared folder, where runners pick it up.
/// </summary>
public sealed class EnvironmentService(IContainerEngine engine, DaemonSettings settings, TarballStore tarballs, ILogger<EnvironmentService> log)
{
    private const string KindLabel = "kohakuriver.kind";
    private const string BaseCmdLabel = "kohakuriver.base_cmd";
    // Keeps the container alive doing nothing, and exits at once on docker stop.
    private static readonly List<string> KeepAlive = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public async Task<List<EnvironmentContainer>> ListContainersAsync(CancellationToken ct)
    {
        var list = await CallEngine(() => engine.ListContainersAsync(new Dictionary<string, string?> { [KindLabel] = "environment" }, all: true, ct));
        return list.Select(c => new EnvironmentContainer
        {
            Environment = c.Labels.GetValueOrDefault(EnvironmentNames.EnvironmentLabel) ?? c.Name,
            ContainerName = c.Name,
            Image = c.Image,
            Status = c.State,
            Created = c.Created,
        }).OrderBy(e => e.Environment, StringComparer.Ordinal).ToList();
    }

    public async Task<EnvironmentContainer> CreateAsync(CreateEnvironmentRequest r, CancellationToken ct)
    {
        var env = ValidName(r.Environment);
        if (string.IsNullOrWhiteSpace(r.ImageName)) throw HostException.Invalid("image_name is empty");
        SubmissionValidator.CheckImage("image_name", r.ImageName);
        var image = await CallEngine(() => engine.InspectImageAsync(r.ImageName, ct))
                    ?? throw HostException.Invalid($"image '{r.ImageName}' is not on the host (no registry is used: build or load it there first)");
        var name = EnvironmentNames.ContainerName(env);
        if (await CallEngine(() => engine.InspectContainerAsync(name, ct)) is not null)
            throw HostException.Conflict($"environment '{env}' already has a container ({name}); delete it first");

        var spec = new ContainerSpec
        {
            Image = r.ImageName,
            Cmd = KeepAlive,
            WorkingDir = "/shared",
            Labels = new Dictionary<string, string>
            {
                ["kohakuriver.managed"] = "true",
                [KindLabel] = "environment",
                [EnvironmentNames.EnvironmentLabel] = env,
                [BaseCmdLabel] = JsonSerializer.Serialize(image.Cmd.ToList(), RiverJsonContext.Default.ListString),
            },
            HostConfig = new HostConfigSpec
            {
                NanoCpus = (long)(Math.Min(settings.EnvironmentCpus, Environment.ProcessorCount) * 1e9),
                Memory = settings.EnvironmentMemoryBytes,
                MemorySwap = settings.EnvironmentMemoryBytes,
                PidsLimit = settings.DefaultPidsLimit,
                Binds = [$"{Path.Combine(settings.SharedDir, "shared_data")}:/shared"],
                NetworkMode = "bridge",
                RestartPolicy = new RestartPolicySpec { Name = "unless-stopped" },
            },
        };
        Directory.CreateDirectory(Path.Combine(settings.SharedDir, "shared_data"));
        var id = await CallEngine(() => engine.CreateContainerAsync(name, spec, ct));
        await CallEngine(() => engine.StartContainerAsync(id, ct));
        log.LogInformation("Environment {Env} created from {Image}", env, r.ImageName);
        return (await ListContainersAsync(ct)).First(c => c.Environment == env);
    }

    public async Task StartAsync(string env, CancellationToken ct) =>
        await CallEngine(async () => await engine.StartContainerAsync(await ContainerIdAsync(env, ct), ct));

    public async Task StopAsync(string env, CancellationToken ct) =>
        await CallEngine(async () => await engine.StopContainerAsync(await ContainerIdAsync(env, ct), 10, ct));

    public async Task DeleteAsync(string env, CancellationToken ct) =>
        await CallEngine(async () => await engine.RemoveContainerAsync(await ContainerIdAsync(env, ct), ct));

    public async Task<EnvironmentExecResult> ExecAsync(string env, EnvironmentExecRequest r, CancellationToken ct)
    {
        var command = ExecCommand.From(r);
        var id = await RunningContainerIdAsync(env, ct);
        return await CallEngine(() => command.RunAsync(engine, id, $"environment '{env}'", ct));
    }

    /// <summary>The id of the environment's container when it runs: unknown is a NotFound, stopped a Conflict.</summary>
    public async Task<string> RunningContainerIdAsync(string env, CancellationToken ct)
    {
        var id = await ContainerIdAsync(env, ct);
        var inspect = await CallEngine(() => engine.InspectContainerAsync(id, ct));
        if (inspect?.State.Running != true) throw HostException.Conflict($"environment '{env}' is not running; start it first");
        return id;
    }

    public async Task<PublishResult> PublishAsync(string env, CancellationToken ct)
    {
        ValidName(env);
        var gate = _locks.GetOrAdd(env, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var id = await ContainerIdAsync(env, ct);
            var inspect = await CallEngine(() => engine.InspectContainerAsync(id, ct));
            var baseCmd = inspect?.Labels.GetValueOrDefault(BaseCmdLabel) is { } json
                ? JsonSerializer.Deserialize(json, RiverJsonContext.Default.ListString)
                : null;
            var newest = tarballs.Newest(env);
            // Versions must increase even when two publishes fall in the same second.
            var ts = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), (newest?.Timestamp ?? 0) + 1);
            var image = EnvironmentNames.ImageName(env);
            var previous = await CallEngine(() => engine.InspectImageAsync(image, ct));
            var labels = new Dictionary<string, string>
            {
                [EnvironmentNames.PublishedAtLabel] = ts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [EnvironmentNames.EnvironmentLabel] = env,
            };
            var imageId = await CallEngine(() => engine.CommitContainerAsync(id, EnvironmentNames.ImageRepository(env), "base", labels, baseCmd ?? [], ct));
            var tarball = await tarballs.WriteAsync(env, ts, s => CallEngine(() => engine.SaveImageAsync(image, s, ct)));
            var pruned = tarballs.PruneOlder(env, ts);
            if (previous is not null && previous.Id != imageId)
            {
                try { await engine.RemoveImageAsync(previous.Id, force: false, ct); }
                catch (EngineException e) { log.LogInformation("Previous image of {Env} kept: {Message}", env, e.Message); }
            }
            log.LogInformation("Environment {Env} published as {Tarball} ({Size} bytes); pruned {Pruned}", env, tarball.Path, tarball.SizeBytes, pruned.Count);
            return new PublishResult
            {
                Environment = env,
                Image = image,
                Timestamp = ts,
                Tarball = tarball.Path,
                SizeBytes = tarball.SizeBytes,
                Pruned = pruned,
            };
        }
        finally
        {
            gate.Release();
        }
    }

    public Dictionary<string, EnvironmentTarballs> ListTarballs() =>
        tarballs.List().GroupBy(t => t.Environment).ToDictionary(g => g.Key, g =>
        {
            var versions = g.OrderByDescending(t => t.Timestamp).ToList();
            return new EnvironmentTarballs
            {
                LatestTimestamp = versions[0].Timestamp,
                LatestTarball = Path.GetFileName(versions[0].Path),
                AllVersions = versions.Select(v => new EnvironmentVersion { Timestamp = v.Timestamp, Tarball = Path.GetFileName(v.Path), SizeBytes = v.SizeBytes }).ToList(),
            };
        });

    public int DeleteTarballs(string env, long? timestamp)
    {
        ValidName(env);
        var n = tarballs.Delete(env, timestamp);
        if (n == 0) throw HostException.NotFound(timestamp is null ? $"environment '{env}' has no published tarball" : $"environment '{env}' has no version {timestamp}");
        return n;
    }

    /// <summary>Null when tasks can use the environment: it is published, or its image is on the host.</summary>
    public async Task<string?> WhyUnknownAsync(string env, CancellationToken ct)
    {
        if (!EnvironmentNames.IsValid(env)) return InvalidName(env);
        if (tarballs.Newest(env) is not null) return null;
        try
        {
            if (await engine.InspectImageAsync(EnvironmentNames.ImageName(env), ct) is not null) return null;
        }
        catch (EngineException)
        {
            // An engine that cannot answer knows of no image: the message below says where else it was looked for.
        }
        return $"environment '{env}' is unknown: it has no published tarball in {tarballs.Folder} and no image {EnvironmentNames.ImageName(env)} on the host";
    }

    private async Task<string> ContainerIdAsync(string env, CancellationToken ct)
    {
        ValidName(env);
        var inspect = await CallEngine(() => engine.InspectContainerAsync(EnvironmentNames.ContainerName(env), ct));
        return inspect?.Id ?? throw HostException.NotFound($"environment '{env}' has no container on the host; create it first");
    }

    private static string ValidName(string? env) =>
        EnvironmentNames.IsValid(env) ? env! : throw HostException.Invalid(InvalidName(env));

    private static string InvalidName(string? env) =>
        $"'{ShownText.Of(env)}' is not a valid environment name: use lowercase letters and digits joined by '.', '_' or '-', at most 64 characters";

    /// <summary>Engine failures become answers that name the engine's own message.</summary>
    private static async Task<T> CallEngine<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (EngineException e)
        {
            throw EngineFailures.ToHost(e, "the host's Docker engine");
        }
    }

    private static async Task CallEngine(Func<Task> call) => await CallEngine(async () => { await call(); return 0; });
}
