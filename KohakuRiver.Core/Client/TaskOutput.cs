namespace KohakuRiver.Core.Client;

/// <summary>An open task output body; dispose it to release the connection.</summary>
public sealed class TaskOutput(HttpResponseMessage response, Stream content, long? nextOffset) : IAsyncDisposable, IDisposable
{
    public Stream Content { get; } = content;
    public long? NextOffset { get; } = nextOffset;

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
    }

    public void Dispose()
    {
        Content.Dispose();
        response.Dispose();
    }
}
