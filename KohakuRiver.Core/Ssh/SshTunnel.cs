using System.Net.Sockets;
using System.Text;

namespace KohakuRiver.Core.Ssh;

/// <summary>
/// The client side of the host's SSH proxy. The line protocol is the reference system's with a token
/// added, because a tunnel is a root login path: the client sends <c>REQUEST_TUNNEL &lt;task_id&gt; &lt;api_token&gt;\n</c>,
/// the proxy answers <c>SUCCESS\n</c> and from then on relays raw bytes to the VPS's sshd, or answers
/// <c>ERROR &lt;reason&gt;\n</c> and closes.
/// </summary>
public static class SshTunnel
{
    public const string RequestVerb = "REQUEST_TUNNEL";
    public const string SuccessAnswer = "SUCCESS";
    public const string ErrorPrefix = "ERROR ";

    /// <summary>Longest request or answer line either side accepts, newline included.</summary>
    public const int MaxLineLength = 1024;

    /// <summary>Limit on connecting plus the request/answer exchange.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens a tunnel to VPS <paramref name="taskId"/> and returns the connection positioned on the first
    /// byte from its sshd. Throws <see cref="SshTunnelException"/> when the proxy refuses (message = its
    /// reason), cannot be reached, or does not answer within <see cref="HandshakeTimeout"/>.
    /// </summary>
    public static async Task<Stream> OpenAsync(string host, int port, long taskId, string token, CancellationToken ct = default)
    {
        var socket = await OpenSocketAsync(host, port, taskId, token, HandshakeTimeout, ct).ConfigureAwait(false);
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>The request line, newline included. The token must be one word of printable ASCII.</summary>
    public static string FormatRequest(long taskId, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        if (token.Any(c => c <= ' ' || c > '~'))
            throw new ArgumentException("The API token must be printable ASCII without spaces.", nameof(token));
        if (taskId <= 0)
            throw new ArgumentOutOfRangeException(nameof(taskId), taskId, "A task id is positive.");
        return $"{RequestVerb} {taskId} {token}\n";
    }

    internal static async Task<Socket> OpenSocketAsync(string host, int port, long taskId, string token, TimeSpan timeout,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (port is <= 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is 1-65535.");
        byte[] request = Encoding.ASCII.GetBytes(FormatRequest(taskId, token));

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            try
            {
                await socket.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new SshTunnelException($"cannot connect to the SSH proxy at {host}:{port}: {e.Message}", innerException: e);
            }
            await socket.SendAsync(request, SocketFlags.None, limit.Token).ConfigureAwait(false);
            string answer = await ReadAnswerAsync(socket, host, port, limit.Token).ConfigureAwait(false);
            if (answer == SuccessAnswer)
                return socket;
            if (answer.StartsWith(ErrorPrefix, StringComparison.Ordinal))
                throw new SshTunnelException(answer[ErrorPrefix.Length..], refusedByProxy: true);
            if (answer == ErrorPrefix.TrimEnd())
                throw new SshTunnelException("the SSH proxy refused the tunnel without a reason", refusedByProxy: true);
            throw new SshTunnelException($"unexpected answer from the SSH proxy at {host}:{port}: {Printable(answer)}");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SshTunnelException(
                $"the SSH proxy at {host}:{port} did not answer within {timeout.TotalSeconds:0.#} s", innerException: e);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SshTunnelException($"the connection to the SSH proxy at {host}:{port} failed: {e.Message}", innerException: e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // One byte at a time: anything after the newline is already the sshd's banner and belongs to the caller.
    private static async Task<string> ReadAnswerAsync(Socket socket, string host, int port, CancellationToken ct)
    {
        var line = new byte[MaxLineLength];
        int length = 0;
        while (true)
        {
            int read = await socket.ReceiveAsync(line.AsMemory(length, 1), SocketFlags.None, ct).ConfigureAwait(false);
            if (read == 0)
                throw new SshTunnelException(length == 0
                    ? $"the SSH proxy at {host}:{port} closed the connection without answering"
                    : $"the SSH proxy at {host}:{port} closed the connection in the middle of its answer");
            if (line[length] == (byte)'\n')
                break;
            if (++length == line.Length)
                throw new SshTunnelException($"the SSH proxy at {host}:{port} sent an answer longer than {MaxLineLength} bytes");
        }
        if (length > 0 && line[length - 1] == (byte)'\r') length--;
        return Encoding.UTF8.GetString(line, 0, length);
    }

    private static string Printable(string s)
    {
        var cleaned = new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return cleaned.Length <= 80 ? cleaned : cleaned[..80] + "…";
    }
}
