using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>How one case was answered, and what is wrong with the answer (nothing, for a refusal done right).</summary>
public sealed record CaseOutcome(AdversarialCase Case, int? Status, string Response, List<string> Problems)
{
    public bool Passed => Problems.Count == 0;

    public string StatusText => Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer";
}

/// <summary>Sends cases as raw bytes, so that a body reaches the daemon exactly as built, and judges the answer.</summary>
public sealed class CaseSender(Uri host, Uri runner, string apiToken, string clusterToken) : IDisposable
{
    /// <summary>A refusal takes milliseconds; a case that needs longer is waiting for something it should not (a
    /// VPS that was accepted and is waited for), which the answer must not do.</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan LargeAnswerTimeout = TimeSpan.FromSeconds(20);

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<CaseOutcome> SendAsync(AdversarialCase c, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(c.Method, new Uri((c.Server == Server.Host ? host : runner), c.PathAndQuery));
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(c.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            // As a well-behaved client sends a large body: the host can refuse it before it is sent.
            if (c.IsLarge) request.Headers.ExpectContinue = true;
        }
        Authorize(request, c.Credential);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(c.IsLarge ? LargeAnswerTimeout : AnswerTimeout);
        try
        {
            using var response = await _http.SendAsync(request, cts.Token);
            var text = await response.Content.ReadAsStringAsync(cts.Token);
            var status = (int)response.StatusCode;
            return new CaseOutcome(c, status, text, Judge(c, status, text));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new CaseOutcome(c, null, "", [$"no answer within {(c.IsLarge ? LargeAnswerTimeout : AnswerTimeout).TotalSeconds:0} s"]);
        }
        catch (HttpRequestException e)
        {
            return new CaseOutcome(c, null, "", [$"connection failed: {e.Message}"]);
        }
    }

    private static List<string> Judge(AdversarialCase c, int status, string text)
    {
        var problems = new List<string>();
        if (status is < 400 or > 499) problems.Add($"status {status}, not a 4xx");
        // Kestrel refuses a NUL in the request path while parsing the request line, before any application code runs,
        // with a bare 400 and a closed connection: a refusal, just without our detail.
        var nulInPath = c.PathAndQuery.Split('?')[0].Contains("%00", StringComparison.Ordinal) && status == 400 && text.Length == 0;
        if (!HasDetail(text) && !nulInPath) problems.Add("body is not JSON with a \"detail\" string");
        return problems;
    }

    private static bool HasDetail(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object &&
                   doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String && d.GetString()!.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Authorize(HttpRequestMessage request, Credential credential)
    {
        var header = credential switch
        {
            Credential.ApiToken => "Bearer " + apiToken,
            Credential.ClusterToken => "Bearer " + clusterToken,
            Credential.WrongToken => "Bearer not-the-token",
            Credential.BasicScheme => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("kohakuriver:" + apiToken)),
            Credential.EmptyBearer => "Bearer ",
            _ => null,
        };
        if (header is not null) request.Headers.TryAddWithoutValidation("Authorization", header);
    }

    public void Dispose() => _http.Dispose();
}
