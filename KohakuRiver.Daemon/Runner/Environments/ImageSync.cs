using System.Collections.Concurrent;
using System.Globalization;
using KohakuRiver.Core.Environments;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Environments;

namespace KohakuRiver.Daemon.Runner.Environments;

/// <summary>
/// Makes sure the local image of an environment is the newest published one before a task uses it. The check is one
/// directory listing and one image inspect; a load happens under a per-environment lock, so tasks started together
/// on a stale environment cause one load. A failed load is not remembered: the next task tries again, so publishing
/// again heals a corrupt tarball. Images a load replaced are removed once no container uses them.
/// </summary>
public sealed class ImageSync(IContainerEngine engine, DaemonSettings settings, TarballStore tarballs, ILogger<ImageSync> log)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<string, string> _superseded = new();
    private int _loads;

    /// <summary>How many tarballs this runner has loaded since it started.</summary>
    public int LoadCount => Volatile.Read(ref _loads);

    /// <summary>Returns the image to run for <paramref name="env"/>, loading the newest tarball first when needed.</summary>
    public async Task<string> EnsureAsync(string env, CancellationToken ct)
    {
        var image = EnvironmentNames.ImageName(env);
        var newest = tarballs.Newest(env);
        var local = await engine.InspectImageAsync(image, ct).ConfigureAwait(false);
        if (newest is null)
        {
            return local is not null ? image : throw new EnvironmentSyncException(
                $"environment '{env}' is not available on node {settings.NodeName}: no published tarball in {tarballs.Folder} and no local image {image}");
        }
        if (PublishedAt(local) >= newest.Timestamp) return image;

        var gate = _locks.GetOrAdd(env, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Another task may have loaded it while this one waited.
            newest = tarballs.Newest(env) ?? newest;
            local = await engine.InspectImageAsync(image, ct).ConfigureAwait(false);
            if (PublishedAt(local) >= newest.Timestamp) return image;

            log.LogInformation("Loading environment {Env} from {Tarball}", env, newest.Path);
            try
            {
                await using var file = new FileStream(newest.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await engine.LoadImageAsync(file, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is EngineException or IOException)
            {
                var why = e.Message;
                throw new EnvironmentSyncException(
                    $"loading environment '{env}' from {newest.Path} failed: {why} (the tarball may be truncated or corrupt: publish the environment again)");
            }
            Interlocked.Increment(ref _loads);
            var loaded = await engine.InspectImageAsync(image, ct).ConfigureAwait(false);
            if (PublishedAt(loaded) != newest.Timestamp)
                throw new EnvironmentSyncException(
                    $"tarball {newest.Path} does not hold {image} published at {newest.Timestamp} (found {PublishedAt(loaded)})");
            if (local is not null && local.Id != loaded!.Id) _superseded[local.Id] = env;
            return image;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes replaced images that no container uses any more; the engine refuses those still in use.</summary>
    public async Task CollectSupersededAsync(CancellationToken ct)
    {
        foreach (var (id, env) in _superseded)
        {
            try
            {
                await engine.RemoveImageAsync(id, force: false, ct).ConfigureAwait(false);
                _superseded.TryRemove(id, out _);
                log.LogInformation("Removed superseded image {Id} of environment {Env}", id, env);
            }
            catch (EngineException e) when (e.Kind == EngineErrorKind.Conflict)
            {
                // Still used by a container; try again after the next task ends.
            }
        }
    }

    private static long PublishedAt(ImageInfo? image) =>
        image?.Labels.GetValueOrDefault(EnvironmentNames.PublishedAtLabel) is { } v &&
        long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var ts) ? ts : -1;
}
