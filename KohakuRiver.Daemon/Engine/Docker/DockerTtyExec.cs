using System.Buffers;
using System.Runtime.InteropServices;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>An exec with a terminal on the Docker engine: the hijacked connection of its start is the terminal's byte
/// stream (a TTY exec's output is not multiplexed).</summary>
internal sealed class DockerTtyExec(DockerClient client, string id, MultiplexedStream stream, string socketPath, TimeProvider time) : ITtyExec
{
    private int _disposed;

    public string Id { get; } = id;

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.IsEmpty) return 0;
        // The library reads into arrays only.
        if (MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
            return await ReadArrayAsync(segment.Array!, segment.Offset, segment.Count, ct).ConfigureAwait(false);
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = await ReadArrayAsync(rented, 0, buffer.Length, ct).ConfigureAwait(false);
            rented.AsSpan(0, n).CopyTo(buffer.Span);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task<int> ReadArrayAsync(byte[] array, int offset, int count, CancellationToken ct)
    {
        try
        {
            var read = await stream.ReadOutputAsync(array, offset, count, ct).ConfigureAwait(false);
            return read.EOF ? 0 : read.Count;
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
        {
            return 0;
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken ct = default)
    {
        if (input.IsEmpty) return;
        if (MemoryMarshal.TryGetArray(input, out var segment))
        {
            await stream.WriteAsync(segment.Array!, segment.Offset, segment.Count, ct).ConfigureAwait(false);
            return;
        }
        var copy = input.ToArray();
        await stream.WriteAsync(copy, 0, copy.Length, ct).ConfigureAwait(false);
    }

    public Task ResizeAsync(int rows, int cols, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        return Translated(() => client.Exec.ResizeExecTtyAsync(Id, new ContainerResizeParameters { Height = rows, Width = cols }, ct));
    }

    /// <summary>The engine records the exit a moment after the process closed its terminal: until then Running is
    /// still true (<see cref="EngineErrors.WaitExecEndedAsync"/>).</summary>
    public async Task<int> WaitExitAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        ContainerExecInspectResponse? info;
        try
        {
            info = await Translated(() => EngineErrors.WaitExecEndedAsync(client, Id, time, time.GetUtcNow() + timeout, ct)).ConfigureAwait(false);
        }
        catch (EngineException)
        {
            return -1; // The exec is gone (its container was removed) or the engine is out of reach: unknown.
        }
        return info?.ExitCode is { } code ? (int)code : -1;
    }

    public async Task HangUpAsync(CancellationToken ct = default)
    {
        ContainerExecInspectResponse info;
        try
        {
            info = await Translated(() => client.Exec.InspectContainerExecAsync(Id, ct)).ConfigureAwait(false);
        }
        catch (EngineException)
        {
            return; // Gone with its container, or no engine to ask: nothing to hang up that can be found.
        }
        // The pid is only trusted while the engine says the process runs and while it is in the container's cgroup, so
        // neither a recycled pid nor another pid namespace's process is signalled.
        if (!info.Running || !ProcessSignals.InContainer(info.Pid, info.ContainerID)) return;
        ProcessSignals.Send(info.Pid, ProcessSignals.SigHup);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) stream.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task<T> Translated<T>(Func<Task<T>> call) => EngineErrors.CallAsync(call, socketPath);

    private Task Translated(Func<Task> call) => EngineErrors.CallAsync(call, socketPath);
}
