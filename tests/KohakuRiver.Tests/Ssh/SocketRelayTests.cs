using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

public sealed class SocketRelayTests
{
    /// <summary>A connected loopback pair: the end the relay gets, and the peer a test drives.</summary>
    private static async Task<(Socket RelayEnd, Socket Peer)> PairAsync(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync(ct).AsTask();
        await peer.ConnectAsync(listener.LocalEndPoint!, ct);
        return (await accept, peer);
    }

    [Fact]
    public async Task Both_directions_are_counted_and_an_orderly_end_each_way_is_clean()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (a, left) = await PairAsync(cts.Token);
        var (b, right) = await PairAsync(cts.Token);
        using (left)
        using (right)
        {
            var relay = SocketRelay.RunAsync(a, b, cts.Token, "client", "vps");
            var fromLeft = new byte[300_000];
            Random.Shared.NextBytes(fromLeft);
            var rightReads = ProxyHarness.ReadToEndAsync(right, cts.Token);
            var leftReads = ProxyHarness.ReadToEndAsync(left, cts.Token);
            await left.SendAsync(fromLeft, SocketFlags.None, cts.Token);
            left.Shutdown(SocketShutdown.Send);
            Assert.Equal(fromLeft, await rightReads);   // the half-close arrived after every byte
            await right.SendAsync("bye"u8.ToArray(), SocketFlags.None, cts.Token);
            right.Shutdown(SocketShutdown.Send);
            Assert.Equal("bye"u8.ToArray(), await leftReads);

            var outcome = await relay;
            Assert.True(outcome.Clean, outcome.Failure);
            Assert.Equal(300_000, outcome.BytesAToB);
            Assert.Equal(3, outcome.BytesBToA);
        }
    }

    [Fact]
    public async Task A_reset_ends_the_relay_and_names_the_direction_that_broke()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (a, left) = await PairAsync(cts.Token);
        var (b, right) = await PairAsync(cts.Token);
        using (left)
        {
            var relay = SocketRelay.RunAsync(a, b, cts.Token, "client", "vps");
            // A zero linger makes the close a reset.
            right.LingerState = new LingerOption(true, 0);
            right.Dispose();

            var outcome = await relay;
            Assert.False(outcome.Clean);
            Assert.StartsWith("vps→client receive after 0 bytes: ConnectionReset", outcome.Failure);
            // The client's side is closed too: its peer sees the end.
            Assert.Empty(await ProxyHarness.ReadToEndAsync(left, cts.Token));
        }
    }
}
