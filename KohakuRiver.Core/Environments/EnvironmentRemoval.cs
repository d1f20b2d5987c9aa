using KohakuRiver.Core.Client;

namespace KohakuRiver.Core.Environments;

/// <summary>
/// What <c>Remove-RiverEnvironment</c> removes: the host container (by default); with <c>-Published</c> the container,
/// if there is one, and every published version; with <c>-Timestamp</c> that one published version only (the
/// container and the other versions stay).
/// </summary>
public sealed record EnvironmentRemoval(string Environment, bool Container, bool AllVersions, long? Version)
{
    public static EnvironmentRemoval Plan(string environment, bool published, long? timestamp)
    {
        EnvironmentNames.Validate(environment);
        if (timestamp is <= 0) throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "a version's timestamp is positive (unix seconds)");
        return timestamp is { } t
            ? new EnvironmentRemoval(environment, Container: false, AllVersions: false, Version: t)
            : new EnvironmentRemoval(environment, Container: true, AllVersions: published, Version: null);
    }

    /// <summary>The action as ShouldProcess shows it.</summary>
    public string Action => (Container, AllVersions, Version) switch
    {
        (_, _, { } t) => $"Remove the published version {t} ({DateTimeOffset.FromUnixTimeSeconds(t):u})",
        (true, true, _) => "Remove the host container and every published version",
        _ => "Remove the host container (published versions stay)",
    };

    /// <summary>
    /// Removes what the plan says. With -Published, a missing container or a missing published set is fine as long as
    /// one of them existed; when neither did, or the one thing asked for is missing, the environment is not found.
    /// Returns what it did, one line each.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExecuteAsync(RiverClient client, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var done = new List<string>();
        if (Version is { } t)
        {
            done.Add((await client.RemovePublishedEnvironmentAsync(Environment, t, ct).ConfigureAwait(false)).Message);
            return done;
        }
        RiverApiException? containerMissing = null;
        try
        {
            done.Add((await client.RemoveEnvironmentContainerAsync(Environment, ct).ConfigureAwait(false)).Message);
        }
        catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound && AllVersions)
        {
            containerMissing = e;
        }
        if (!AllVersions) return done;
        try
        {
            done.Add((await client.RemovePublishedEnvironmentAsync(Environment, null, ct).ConfigureAwait(false)).Message);
        }
        catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound && containerMissing is null)
        {
            done.Add($"environment {Environment} had no published version");
        }
        catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
        {
            throw EnvironmentView.NotFound(Environment);
        }
        return done;
    }
}
