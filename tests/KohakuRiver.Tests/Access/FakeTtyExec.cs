using System.Threading.Channels;
using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Tests.Access;

/// <summary>A terminal exec in memory: the test feeds its output chunk by chunk and sees what was typed.</summary>
internal sealed class FakeTtyExec : ITtyExec
{
    private readonly Channel<byte[]> _output = Channel.CreateUnbounded<byte[]>();
    private readonly CancellationTokenSource _disposed = new();
    private readonly MemoryStream _typed = new();
    private readonly List<(int Rows, int Cols)> _resizes = [];
    private int _hangUps;

    public string Id => "fake-exec";
    public int ExitCode { get; set; } = -1;
    public bool Disposed => _disposed.IsCancellationRequested;
    public int HangUps => Volatile.Read(ref _hangUps);

    public byte[] Typed
    {
        get
        {
            lock (_typed) return _typed.ToArray();
        }
    }

    public IReadOnlyList<(int Rows, int Cols)> Resizes
    {
        get
        {
            lock (_resizes) return [.. _resizes];
        }
    }

    /// <summary>Output the "process" writes, as one read's worth.</summary>
    public void Show(params byte[] chunk) => _output.Writer.TryWrite(chunk);

    /// <summary>The process ends: reads return 0 once what was shown is read.</summary>
    public void End(int exitCode)
    {
        ExitCode = exitCode;
        _output.Writer.TryComplete();
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposed.Token);
        try
        {
            if (!await _output.Reader.WaitToReadAsync(both.Token)) return 0;
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            return 0;
        }
        var chunk = await _output.Reader.ReadAsync(both.Token);
        if (chunk.Length > buffer.Length) throw new InvalidOperationException("the fake shows chunks no larger than a read");
        chunk.CopyTo(buffer);
        return chunk.Length;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken ct = default)
    {
        lock (_typed) _typed.Write(input.Span);
        return ValueTask.CompletedTask;
    }

    public Task ResizeAsync(int rows, int cols, CancellationToken ct = default)
    {
        lock (_resizes) _resizes.Add((rows, cols));
        return Task.CompletedTask;
    }

    public Task<int> WaitExitAsync(TimeSpan timeout, CancellationToken ct = default) => Task.FromResult(ExitCode);

    public Task HangUpAsync(CancellationToken ct = default)
    {
        Interlocked.Increment(ref _hangUps);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        return ValueTask.CompletedTask;
    }
}
