using System.Text;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>The outcome of a run as text: a summary line, the failures grouped by endpoint and answer, and the first
/// failing cases in full.</summary>
public sealed class FuzzReport(IReadOnlyList<CaseOutcome> outcomes, TimeSpan elapsed)
{
    public const int DetailedFailures = 20;

    public List<CaseOutcome> Failures { get; } = outcomes.Where(o => !o.Passed).ToList();

    public string Summary =>
        $"{outcomes.Count} adversarial cases, {outcomes.Count - Failures.Count} got the right 4xx " +
        $"({Failures.Count} failed, {Failures.Count(f => f.Problems.Any(IsStateChange))} changed stored state; {elapsed.TotalSeconds:0.0} s)";

    public static bool IsStateChange(string problem) => problem.StartsWith("stored state changed", StringComparison.Ordinal);

    /// <summary>One line per endpoint and kind of wrong answer, naming the cases: what the product has to fix.</summary>
    public string Grouped()
    {
        var sb = new StringBuilder();
        foreach (var endpoint in Failures.GroupBy(f => f.Case.Endpoint).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var total = outcomes.Count(o => o.Case.Endpoint == endpoint.Key);
            sb.AppendLine($"{endpoint.Key}: {endpoint.Count()} of {total} failed");
            foreach (var answer in endpoint.GroupBy(Answer).OrderBy(g => g.Key, StringComparer.Ordinal))
                sb.AppendLine($"    {answer.Key} ×{answer.Count()}: {string.Join(" | ", answer.Select(f => f.Case.Kind).Distinct())}");
        }
        return sb.ToString();
    }

    /// <summary>Up to <see cref="DetailedFailures"/> failing cases, in run order: first one per endpoint and answer (but
    /// one mutation seen at one endpoint is not shown again at the next), then the next failing cases. The cases run
    /// smallest first, so the plain first ones would all be alike.</summary>
    public IReadOnlyList<CaseOutcome> Examples()
    {
        var shown = new HashSet<(string, string)>();
        var examples = new List<CaseOutcome>();
        foreach (var group in Failures.GroupBy(f => (f.Case.Endpoint, Answer(f))))
        {
            var first = group.First();
            if (shown.Add((first.Case.Kind, Answer(first)))) examples.Add(first);
        }
        return examples.Concat(Failures.Except(examples)).Take(DetailedFailures).OrderBy(Failures.IndexOf).ToList();
    }

    public string Detailed()
    {
        var sb = new StringBuilder();
        foreach (var (f, i) in Examples().Select((f, i) => (f, i + 1)))
        {
            sb.AppendLine($"{i}. {f.Case.Endpoint} [{f.Case.Kind}]");
            sb.AppendLine($"   request:  {f.Case.Method} {AdversarialCase.Excerpt(f.Case.PathAndQuery, 100)} as {f.Case.Credential}; body {f.Case.BodyExcerpt()}");
            sb.AppendLine($"   answer:   {f.StatusText} {AdversarialCase.Excerpt(f.Response, 200)}");
            foreach (var p in f.Problems) sb.AppendLine($"   problem:  {p}");
        }
        if (Failures.Count > DetailedFailures) sb.AppendLine($"… and {Failures.Count - DetailedFailures} more (all grouped in the test output)");
        return sb.ToString();
    }

    /// <summary>The status and the kinds of problem, e.g. "202 + state changed" or "500 + no detail".</summary>
    private static string Answer(CaseOutcome f)
    {
        var parts = new List<string> { f.StatusText };
        if (f.Problems.Any(p => p.StartsWith("body is not JSON", StringComparison.Ordinal))) parts.Add("no detail");
        if (f.Problems.Any(IsStateChange)) parts.Add("state changed");
        return string.Join(" + ", parts);
    }
}
