namespace KohakuRiver.Daemon.Host.Api;

/// <summary>
/// Gives back the memory a large submission leaves behind. Accepting 10,000 tasks parses a body of several megabytes
/// and builds each task two or three times over (request, record, stored document): about 60 MB of garbage around
/// 10 MB that stays. The collector would keep that space for the next burst, which in a lab cluster may be hours
/// away, so after such a request has been answered the host compacts once and returns the free space to the system.
/// </summary>
public static class LargeRequestMemory
{
    /// <summary>Batches of at least this many tasks are followed by a compacting collection.</summary>
    public const int TaskThreshold = 1000;

    public static void CompactAfter(HttpResponse response, int taskCount)
    {
        if (taskCount < TaskThreshold) return;
        response.OnCompleted(() =>
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return Task.CompletedTask;
        });
    }
}
