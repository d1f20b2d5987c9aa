using System.Threading.Channels;

namespace KohakuRiver.Core.Pipeline;

/// <summary>Posts actions from async work to the pumping thread.</summary>
public sealed class PumpWriter
{
    private readonly ChannelWriter<Action> _writer;
    private readonly CancellationToken _ct;

    internal PumpWriter(ChannelWriter<Action> writer, CancellationToken ct)
    {
        _writer = writer;
        _ct = ct;
    }

    /// <summary>Queues <paramref name="action"/> to run on the pumping thread; waits while the queue is full.</summary>
    public ValueTask PostAsync(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return _writer.WriteAsync(action, _ct);
    }
}
