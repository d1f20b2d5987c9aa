namespace KohakuRiver.Core.Client;

/// <summary>
/// Wraps the handler a WebSocket upgrade goes through and keeps the body of an answer that refused it (the host's
/// JSON <c>{detail}</c>), which <see cref="System.Net.WebSockets.ClientWebSocket"/> itself drops. Used for one
/// connect at a time; the body is capped at 64 KiB.
/// </summary>
internal sealed class UpgradeFailureCapture(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const int MaxBody = 64 * 1024;

    /// <summary>The refusal's body, when the upgrade was refused with one.</summary>
    public string? Body { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != System.Net.HttpStatusCode.SwitchingProtocols)
        {
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var buffer = new byte[MaxBody];
                var total = 0;
                int n;
                while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
                    total += n;
                Body = System.Text.Encoding.UTF8.GetString(buffer, 0, total);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
            }
        }
        return response;
    }
}
