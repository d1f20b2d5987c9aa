using System.Net;
using System.Text;

namespace KohakuRiver.Core.Client;

/// <summary>
/// Sits under a ClientWebSocket's connect: when the server answers the upgrade with anything but 101 (the host's 401,
/// 404, 409, 503 with a JSON <c>{detail}</c>), it keeps the status and the start of the body, which ClientWebSocket
/// itself discards, so the caller can say why.
/// </summary>
internal sealed class UpgradeResponseCapture(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const int MaxBodyChars = 16 * 1024;

    public HttpStatusCode? RefusedStatus { get; private set; }

    public string? RefusedBody { get; private set; }

    /// <summary>The host's X-KohakuRiver-Detail header, which repeats a refusal's detail (ASCII only) for clients that
    /// cannot read bodies.</summary>
    public string? RefusedDetailHeader { get; private set; }

    public const string DetailHeader = "X-KohakuRiver-Detail";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.SwitchingProtocols || (response.IsSuccessStatusCode && request.Version.Major >= 2))
            return response;
        RefusedStatus = response.StatusCode;
        if (response.Headers.TryGetValues(DetailHeader, out var values)) RefusedDetailHeader = values.FirstOrDefault();
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            RefusedBody = text.Length > MaxBodyChars ? text[..MaxBodyChars] : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or DecoderFallbackException)
        {
            RefusedBody = null;
        }
        // ClientWebSocket reads only the status and headers: give it an empty body, the one read above is spent.
        var read = response.Content;
        response.Content = new ByteArrayContent([]);
        read.Dispose();
        return response;
    }
}
