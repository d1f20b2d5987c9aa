using System.Net.Sockets;

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
    /// then disposes both sockets. Returns true when both directions ended with an orderly end of stream.
    /// Never throws for network failures: a reset is the normal way for some peers to leave.
    /// </summary>
    public static async Task<bool> RunAsync(Socket a, Socket b, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var results = await Task.WhenAll(PumpAsync(a, b, abort), PumpAsync(b, a, abort)).ConfigureAwait(false);
            return results[0] && results[1];
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static async Task<bool> PumpAsync(Socket from, Socket to, CancellationTokenSource abort)
    {
        try
        {
            await using (var source = new NetworkStream(from, ownsSocket: false))
            await using (var destination = new NetworkStream(to, ownsSocket: false))
                await source.CopyToAsync(destination, BufferSize, abort.Token).ConfigureAwait(false);
            to.Shutdown(SocketShutdown.Send);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Once one direction has failed the session is over, and the other direction may be waiting on a
            // peer that has nothing more to say: cancel it instead of leaving it open forever.
            abort.Cancel();
            return false;
        }
    }
}
