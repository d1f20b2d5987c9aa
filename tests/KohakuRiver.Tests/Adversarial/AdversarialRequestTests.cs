using System.Diagnostics;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// A standing fuzz test: generated malformed requests at every endpoint of the host and the runner. Each must be
/// refused with a 4xx whose body is JSON with a "detail", and must leave everything stored as it was. The cases are
/// invalid by construction and fixed by the seed, so a failure names a request that is wrong every time.
/// </summary>
public sealed class AdversarialRequestTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private const int Seed = 20_250_611;
    private const int MutationsPerField = 6;

    /// <summary>Far above a normal run; only a daemon that stalls on many cases gets here.</summary>
    private static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Every_endpoint_refuses_malformed_requests_with_a_4xx_detail_and_stores_nothing()
    {
        docker.RequireDocker();
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        await using var fuzz = await FuzzCluster.StartAsync(docker);
        var settings = fuzz.Cluster.HostSettings;
        var cases = new CaseGenerator(Seed, MutationsPerField).Generate(fuzz.Endpoints());

        using var sender = new CaseSender(fuzz.Cluster.HostUri, fuzz.RunnerUri, settings.ApiToken!, settings.ClusterToken!);
        using var snapshots = new StateSnapshot.Taker(fuzz.Cluster, docker.Client, fuzz.EnvironmentPrefix);
        var clock = Stopwatch.StartNew();
        var before = await snapshots.TakeAsync(ct);
        var outcomes = new List<CaseOutcome>(cases.Count);
        foreach (var c in cases)
        {
            if (clock.Elapsed > RunBudget)
                Assert.Fail($"out of time after {outcomes.Count} of {cases.Count} cases ({clock.Elapsed.TotalSeconds:0} s); last: {outcomes[^1].Case}");
            var outcome = await sender.SendAsync(c, ct);
            var after = await snapshots.TakeAsync(ct);
            var changes = after.ChangesSince(before);
            if (changes.Count > 0)
                outcome.Problems.Add($"stored state changed ({changes.Count}): {string.Join("; ", changes.Take(3))}{(changes.Count > 3 ? "; …" : "")}");
            // Each case is judged against the state just before it, so that one wrongly accepted case is blamed once.
            before = after;
            outcomes.Add(outcome);
        }

        var report = new FuzzReport(outcomes, clock.Elapsed);
        output.WriteLine(report.Summary);
        if (report.Failures.Count == 0) return;
        output.WriteLine("");
        output.WriteLine("Failures by endpoint and answer:");
        output.WriteLine(report.Grouped());
        output.WriteLine($"First failing cases ({FuzzReport.DetailedFailures} at most, one per endpoint and answer first):");
        output.WriteLine(report.Detailed());
        Assert.Fail($"{report.Summary}{Environment.NewLine}{report.Detailed()}");
    }
}
