using System.Globalization;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Completion;

/// <summary>
/// Tab completion of task ids, node names and environments from the host. Completion runs while the user waits at the
/// prompt, so every lookup has a short deadline and a failure of any kind (no connection, a slow or old host, an
/// endpoint that does not exist yet) completes nothing rather than throwing.
/// </summary>
public sealed class RiverCompleter(Func<RiverClient?> client, CompletionCache? cache = null, TimeSpan? timeout = null)
{
    public const int TaskCandidates = 100;

    private readonly CompletionCache _cache = cache ?? new CompletionCache();
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(1.5);

    public IReadOnlyList<CompletionItem> CompleteTaskIds(string? word) => Complete("tasks", word, async (c, ct) =>
    {
        var tasks = await c.ListTasksAsync(new Wire.TaskQuery { Limit = TaskCandidates }, ct).ConfigureAwait(false);
        return tasks.Select(t =>
        {
            var id = t.TaskId.ToString(CultureInfo.InvariantCulture);
            var what = string.IsNullOrEmpty(t.Name) ? t.Command : t.Name;
            return new CompletionCandidate(id, $"{id} ({t.Status.ToWire()})",
                $"{t.Status.ToWire()}{(t.NodeName is null ? "" : " on " + t.NodeName)}: {what}");
        }).ToList();
    });

    public IReadOnlyList<CompletionItem> CompleteNodeNames(string? word) => Complete("nodes", word, async (c, ct) =>
    {
        var nodes = await c.GetNodesAsync(ct).ConfigureAwait(false);
        return nodes.Select(n => new CompletionCandidate(n.NodeName, n.NodeName,
            $"{n.Status.ToString().ToLowerInvariant()}, {n.AvailableCores} of {n.TotalCores} cores free")).ToList();
    });

    /// <summary>
    /// -Target: a node name, and after <c>node::</c> the node's GPU ids (<c>gpu-1::0</c>, <c>gpu-1::1</c>…), after
    /// <c>node::0,</c> the ids not yet listed; free GPUs come first and the tip says which are in use.
    /// </summary>
    public IReadOnlyList<CompletionItem> CompleteTargets(string? word)
    {
        var typed = CompletionMatcher.Unquote(word, out _);
        if (!GpuTargetCandidates.TryParse(typed, out var prefix, out var nodeName, out var chosen))
            return typed.Contains("::", StringComparison.Ordinal) ? [] : CompleteNodeNames(word);
        return Complete("gpus|" + prefix, word, async (c, ct) =>
        {
            var nodes = await c.GetNodesAsync(ct).ConfigureAwait(false);
            var node = nodes.FirstOrDefault(n => n.NodeName == nodeName) ??
                       nodes.FirstOrDefault(n => string.Equals(n.NodeName, nodeName, StringComparison.OrdinalIgnoreCase));
            return node is null ? [] : GpuTargetCandidates.For(node, prefix, chosen);
        });
    }

    /// <summary>Environment names: the published ones and those with a container on the host (either list may be
    /// missing on an older host, or fail; what the other has is still offered).</summary>
    public IReadOnlyList<CompletionItem> CompleteEnvironments(string? word) => Complete("environments", word, async (c, ct) =>
    {
        var containersCall = Attempt(c.GetEnvironmentContainersAsync(ct));
        var publishedCall = Attempt(c.GetPublishedEnvironmentsAsync(ct));
        var (containers, containersError) = await containersCall.ConfigureAwait(false);
        var (published, publishedError) = await publishedCall.ConfigureAwait(false);
        // Nothing came back and something went wrong (not merely a list this host lacks): let Complete offer
        // nothing without remembering it, so the next Tab asks again.
        if (containers is null && published is null && (containersError ?? publishedError) is { } error &&
            (containersError is { Kind: not RiverErrorKind.NotFound } || publishedError is { Kind: not RiverErrorKind.NotFound }))
            throw error;
        var merged = Environments.EnvironmentView.Merge(containers ?? [], published ?? new Dictionary<string, Wire.EnvironmentTarballs>());
        return merged.Select(e => new CompletionCandidate(e.Environment, e.Environment, EnvironmentTip(e))).ToList();
    });

    /// <summary>Task ids of the VPSs that are still active, newest first.</summary>
    public IReadOnlyList<CompletionItem> CompleteVpsTaskIds(string? word) => Complete("vps", word, async (c, ct) =>
    {
        var vpss = await c.GetVpsAsync(activeOnly: true, ct).ConfigureAwait(false);
        return vpss.Select(t =>
        {
            var id = t.TaskId.ToString(CultureInfo.InvariantCulture);
            return new CompletionCandidate(id, $"{id} ({t.Status.ToWire()})",
                $"VPS {(string.IsNullOrEmpty(t.Name) ? "" : t.Name + " ")}{t.Status.ToWire()}{(t.NodeName is null ? "" : " on " + t.NodeName)}" +
                (t.Environment is null ? "" : $", environment {t.Environment}"));
        }).ToList();
    });

    private static string EnvironmentTip(Environments.RiverEnvironment e)
    {
        var parts = new List<string>();
        if (e.IsPublished) parts.Add($"published {e.Versions} version(s), newest {e.LatestTimestamp:u}");
        if (e.HasContainer) parts.Add($"host container {e.Status}");
        return $"environment {e.Environment}: {string.Join("; ", parts)}";
    }

    // One list missing (an older host) or failing (the host's Docker engine is down) still leaves the other to offer.
    private static async Task<(T? Value, RiverApiException? Error)> Attempt<T>(Task<T> call) where T : class
    {
        try
        {
            return (await call.ConfigureAwait(false), null);
        }
        catch (RiverApiException e)
        {
            return (null, e);
        }
    }

    private IReadOnlyList<CompletionItem> Complete(string kind, string? word,
        Func<RiverClient, CancellationToken, Task<List<CompletionCandidate>>> fetch)
    {
        try
        {
            var c = client();
            if (c is null) return [];
            var key = kind + "|" + c.BaseUri;
            if (!_cache.TryGet(key, out var candidates))
            {
                using var cts = new CancellationTokenSource(_timeout);
                var work = Task.Run(() => fetch(c, cts.Token), cts.Token);
                // Wait no longer than the deadline even if the call ignores its token.
                if (!work.Wait(_timeout) || !work.IsCompletedSuccessfully) return [];
                candidates = work.Result;
                _cache.Set(key, candidates);
            }
            return CompletionMatcher.Match(candidates, word);
        }
        catch (Exception)
        {
            // A completer must never throw: whatever went wrong, offer nothing.
            return [];
        }
    }
}
