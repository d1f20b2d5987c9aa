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

    public IReadOnlyList<CompletionItem> CompleteEnvironments(string? word) => Complete("environments", word, async (c, ct) =>
    {
        Dictionary<string, Wire.EnvironmentTarballs> published;
        try
        {
            published = await c.GetPublishedEnvironmentsAsync(ct).ConfigureAwait(false);
        }
        catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
        {
            // A host from before environments existed has no list: nothing to offer.
            return [];
        }
        return published.Keys.Order(StringComparer.Ordinal).Select(n => new CompletionCandidate(n, n, $"environment {n}")).ToList();
    });

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
