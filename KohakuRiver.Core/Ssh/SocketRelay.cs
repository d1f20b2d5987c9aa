using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace KohakuRiver.Core.Ssh;

/// <summary>
/// Copies bytes both ways between two connected sockets until both directions have ended, keeping TCP's
/// half-close: when one side stops sending, the other side's sending direction is shut down and the
/// opposite direction carries on (ssh relies on this for <c>ssh host cmd &lt; file</c>).
/// </summary>
public static class SocketRelay
{
    // Large enough that a bulk scp moves in few system calls; the buffers come from the shared pool.
    public const int BufferSize = 64 * 1024;

    /// <summary>
    /// Relays until both directions end, or until either side fails or <paramref name="ct"/> fires, and
    /// then disposes both sockets. Never throws for network failures; the outcome says what happened, naming the
    /// sides <paramref name="aName"/> and <paramref name="bName"/>. <paramref name="relayed"/>, when given, hears of each
    /// chunk as it is passed on: true for a→b, and its size (it must be quick and must not throw).
    /// </summary>
    public static async Task<RelayOutcome> RunAsync(Socket a, Socket b, CancellationToken ct = default, string aName = "a", string bName = "b",
        Action<bool, int>? relayed = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var failure = new StrongBox<string?>();
        try
        {
            var counts = await Task.WhenAll(PumpAsync(a, b, $"{aName}→{bName}", abort, failure, relayed is null ? null : n => relayed(true, n)),
                    PumpAsync(b, a, $"{bName}→{aName}", abort, failure, relayed is null ? null : n => relayed(false, n)))
                .ConfigureAwait(false);
            return new RelayOutcome(counts[0], counts[1], failure.Value);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static async Task<long> PumpAsync(Socket from, Socket to, string direction, CancellationTokenSource abort,
        StrongBox<string?> failure, Action<int>? relayed)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        string step = "receive";
        try
        {
            while (true)
            {
                step = "receive";
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, abort.Token).ConfigureAwait(false);
                if (read == 0) break;
                step = "send";
                for (int sent = 0; sent < read;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, abort.Token).ConfigureAwait(false);
                total += read;
                relayed?.Invoke(read);
            }
            step = "shutdown";
            to.Shutdown(SocketShutdown.Send);
            return total;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Once one direction has failed the session is over, and the other direction may be waiting on a
            // peer that has nothing more to say: cancel it instead of leaving it open forever. The first
            // failure is the cause; the other direction's cancellation only follows from it.
            string reason = e is SocketException se ? $"{se.SocketErrorCode}: {se.Message}" : e.GetType().Name;
            Interlocked.CompareExchange(ref failure.Value, $"{direction} {step} after {total} bytes: {reason}", null);
            abort.Cancel();
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
