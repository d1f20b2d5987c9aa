using System.Globalization;
using System.Net.Http.Headers;

namespace KohakuRiver.Tests.Metrics;

/// <summary>
/// One scrape of a /metrics answer in the Prometheus text format, read into its series: the sample lines
/// <c>name{labels} value</c>, keyed by everything before the value (as prometheus-net writes it, labels in the order
/// the metric declares them), and the metric families its <c># TYPE</c> lines declare.
/// </summary>
public sealed class MetricsText
{
    private readonly Dictionary<string, double> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);

    public MetricsText(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                _types[parts[2]] = parts[3];
                continue;
            }
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            _series[line[..space]] = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }

    public string Text { get; }

    /// <summary>Family name → its type (counter, gauge, histogram…).</summary>
    public IReadOnlyDictionary<string, string> Types => _types;

    /// <summary>The value of one series, e.g. <c>kohakuriver_tasks{status="pending"}</c>; null when it is absent.</summary>
    public double? Value(string series) => _series.TryGetValue(series, out var v) ? v : null;

    /// <summary>The series whose key starts with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> SeriesStartingWith(string prefix) => _series.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>GET /metrics with the token; fails unless it answers 200.</summary>
    public static async Task<MetricsText> ScrapeAsync(Uri host, string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host, "/metrics"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"/metrics answered {(int)response.StatusCode}: {body}");
        return new MetricsText(body);
    }
}
