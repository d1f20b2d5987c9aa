using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KohakuRiver.Tests.Host;

/// <summary>A cluster state of its own for each test: a temporary data dir, its store and a clock the test moves.</summary>
public abstract class ClusterStateTestBase : IDisposable
{
    private protected const long G = 1L << 30;
    private protected static readonly DateTimeOffset T0 = new(2024, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private protected readonly TempDir _dir = new();
    private protected readonly FakeTime _time;
    private protected readonly DaemonSettings _settings;
    private protected readonly HostStore _store;
    private protected readonly ClusterState _state;

    /// <param name="configure">Changes to the settings before the store and the state are made.</param>
    /// <param name="start">The clock's first reading (<see cref="T0"/> when not given).</param>
    private protected ClusterStateTestBase(Action<DaemonSettings> configure, DateTimeOffset? start = null)
    {
        _time = new FakeTime(start ?? T0);
        _settings = _dir.Settings();
        configure(_settings);
        _store = new HostStore(_settings.DatabasePath);
        _state = NewState();
    }

    /// <summary>Another state over the same store: the host as it comes back after a restart.</summary>
    private protected ClusterState NewState() => new(_store, _settings, _time, NullLogger<ClusterState>.Instance);

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
