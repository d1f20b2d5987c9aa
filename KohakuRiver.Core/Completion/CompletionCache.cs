using System.Collections.Concurrent;

namespace KohakuRiver.Core.Completion;

/// <summary>Candidates remembered for a few seconds, so that pressing Tab repeatedly asks the host once.</summary>
public sealed class CompletionCache(TimeProvider? time = null, TimeSpan? lifetime = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TimeSpan _lifetime = lifetime ?? TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyList<CompletionCandidate> Items)> _entries = new();

    public bool TryGet(string key, out IReadOnlyList<CompletionCandidate> items)
    {
        if (_entries.TryGetValue(key, out var e) && _time.GetUtcNow() - e.At < _lifetime)
        {
            items = e.Items;
            return true;
        }
        items = [];
        return false;
    }

    public void Set(string key, IReadOnlyList<CompletionCandidate> items) => _entries[key] = (_time.GetUtcNow(), items);
}
