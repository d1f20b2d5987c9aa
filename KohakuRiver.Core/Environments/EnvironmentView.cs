using KohakuRiver.Core.Client;
using KohakuRiver.Core.Completion;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Environments;

/// <summary>
/// Environments as users see them: the host's containers and the published tarballs merged by name (an environment
/// may have either or both), picked by name with wildcards.
/// </summary>
public static class EnvironmentView
{
    /// <summary>One object per environment name found in either list, ordered by name.</summary>
    public static IReadOnlyList<RiverEnvironment> Merge(IEnumerable<EnvironmentContainer> containers,
        IReadOnlyDictionary<string, EnvironmentTarballs> published)
    {
        ArgumentNullException.ThrowIfNull(containers);
        ArgumentNullException.ThrowIfNull(published);
        var byName = new Dictionary<string, EnvironmentContainer>(StringComparer.Ordinal);
        foreach (var c in containers)
            if (!string.IsNullOrEmpty(c.Environment))
                byName.TryAdd(c.Environment, c);
        return byName.Keys.Union(published.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(name => From(name, byName.GetValueOrDefault(name), published.GetValueOrDefault(name)))
            .ToList();
    }

    public static RiverEnvironment From(string name, EnvironmentContainer? container, EnvironmentTarballs? tarballs)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var versions = tarballs?.AllVersions.OrderByDescending(v => v.Timestamp).ToList() ?? [];
        var latest = versions.FirstOrDefault();
        // The list's own "latest" fields win; a version list that lacks them (an older host) still has its newest.
        var latestTimestamp = tarballs is { LatestTimestamp: > 0 } ? tarballs.LatestTimestamp : latest?.Timestamp;
        return new RiverEnvironment
        {
            Environment = name,
            ContainerName = container is null ? null : string.IsNullOrEmpty(container.ContainerName) ? EnvironmentNames.ContainerName(name) : container.ContainerName,
            Status = container?.Status,
            Image = container?.Image,
            Created = container?.Created,
            LatestTimestamp = latestTimestamp is { } ts ? DateTimeOffset.FromUnixTimeSeconds(ts) : null,
            LatestTarball = !string.IsNullOrEmpty(tarballs?.LatestTarball) ? tarballs.LatestTarball : latest?.Tarball,
            Versions = versions.Count == 0 && latestTimestamp is not null ? 1 : versions.Count,
            SizeBytes = versions.FirstOrDefault(v => v.Timestamp == latestTimestamp)?.SizeBytes ?? latest?.SizeBytes ?? 0,
            PublishedVersions = versions,
        };
    }

    /// <summary>Picks environments by name, with wildcards; a plain name that matches nothing is reported as missing.
    /// No names (or only blank ones) picks all.</summary>
    public static (IReadOnlyList<RiverEnvironment> Found, IReadOnlyList<string> Missing) Select(IReadOnlyList<RiverEnvironment> all,
        IReadOnlyList<string>? names)
    {
        ArgumentNullException.ThrowIfNull(all);
        var wanted = names?.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).ToList() ?? [];
        if (wanted.Count == 0) return (all, []);
        var picked = new List<RiverEnvironment>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var name in wanted)
        {
            var wild = Glob.HasWildcards(name);
            // Environment names are lowercase by rule, so a plain name matches without regard to case as well.
            var matches = all.Where(e => wild ? Glob.IsMatch(e.Environment, name) : string.Equals(e.Environment, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0 && !wild) missing.Add(name);
            foreach (var m in matches)
                if (seen.Add(m.Environment)) picked.Add(m);
        }
        return (picked, missing);
    }

    /// <summary>Both lists from the host, asked at the same time. A host that has no list of published versions
    /// (404) simply has none.</summary>
    public static async Task<IReadOnlyList<RiverEnvironment>> ListAsync(RiverClient client, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var containers = client.GetEnvironmentContainersAsync(ct);
        var published = PublishedOrNoneAsync(client, ct);
        // If both fail, the containers' failure is the one reported (await rethrows the first task's).
        await Task.WhenAll(containers, published).ConfigureAwait(false);
        return Merge(containers.Result, published.Result);
    }

    /// <summary>One environment; <see cref="KeyNotFoundException"/> when the host has neither its container nor a
    /// published version.</summary>
    public static async Task<RiverEnvironment> GetAsync(RiverClient client, string name, CancellationToken ct = default)
    {
        var (found, _) = Select(await ListAsync(client, ct).ConfigureAwait(false), [name]);
        return found.Count == 1 ? found[0] : throw NotFound(name);
    }

    /// <summary>Creates the host container and returns the environment as it now is (with any versions published earlier).</summary>
    public static async Task<RiverEnvironment> CreateAsync(RiverClient client, string name, string image, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        EnvironmentNames.Validate(name);
        if (string.IsNullOrWhiteSpace(image)) throw new ArgumentException("the image is empty: name a local image on the host, e.g. python:3.12-slim", nameof(image));
        var container = await client.NewEnvironmentAsync(name, image.Trim(), ct).ConfigureAwait(false);
        var published = await PublishedOrNoneAsync(client, ct).ConfigureAwait(false);
        return From(name, container, published.GetValueOrDefault(name));
    }

    public static KeyNotFoundException NotFound(string name) =>
        new($"environment '{name}' is not known to the host: it has no container there and no published version");

    private static async Task<Dictionary<string, EnvironmentTarballs>> PublishedOrNoneAsync(RiverClient client, CancellationToken ct)
    {
        try
        {
            return await client.GetPublishedEnvironmentsAsync(ct).ConfigureAwait(false);
        }
        catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
        {
            return [];
        }
    }
}
