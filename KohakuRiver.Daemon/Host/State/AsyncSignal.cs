using System.Threading.Channels;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>A coalescing wake-up: any number of Set calls before a wait count as one.</summary>
public sealed class AsyncSignal
{
    private readonly Channel<byte> _channel = Channel.CreateBounded<byte>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Set() => _channel.Writer.TryWrite(0);

    public async Task WaitAsync(CancellationToken ct) => await _channel.Reader.ReadAsync(ct);
}
