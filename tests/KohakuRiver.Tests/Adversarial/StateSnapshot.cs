using System.Net.Http.Headers;
using System.Text.Json;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Tests.Cluster;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// What the cluster stores, as "what → state" facts: tasks, nodes, VPSs, this run's environment containers,
/// published tarballs and the Docker containers of the cluster's nodes. Fields that change by themselves (heartbeat
/// times, metrics) are left out, so two snapshots differ only when something was stored. A view the host fails to
/// answer is recorded as broken: a case that breaks a view has changed what is stored.
/// </summary>
public sealed class StateSnapshot
{
    private readonly SortedDictionary<string, string> _facts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _broken = [];

    /// <summary>Takes snapshots of one cluster. Environment containers are shared by every host on the engine, so only
    /// those whose names start with <paramref name="environmentPrefix"/> (this run's) are compared.</summary>
    public sealed class Taker(TestCluster cluster, IContainerEngine docker, string environmentPrefix) : IDisposable
    {
        private readonly HttpClient _http = new()
        {
            BaseAddress = cluster.HostUri,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken) },
        };

        public async Task<StateSnapshot> TakeAsync(CancellationToken ct)
        {
            // The views are independent: read together, they cost one round trip instead of six.
            var views = await Task.WhenAll(
                ViewAsync("/api/tasks?limit=1000", ct, root =>
                    root.EnumerateArray().Select(t => ($"task {Text(t, "task_id")}",
                        $"{Text(t, "status")} node={Text(t, "assigned_node")} exit={Text(t, "exit_code")} ssh={Text(t, "ssh_port")}"))),
                ViewAsync("/api/nodes", ct, root =>
                    root.EnumerateArray().Select(n => ($"node {Text(n, "hostname")}",
                        $"{Text(n, "status")} cores={Text(n, "total_cores")} memory={Text(n, "total_ram_bytes")} url={Text(n, "url")}"))),
                ViewAsync("/api/vps", ct, root =>
                    root.EnumerateArray().Select(v => ($"vps {Text(v, "task_id")}", Text(v, "status")))),
                ViewAsync("/api/docker/host/containers", ct, root =>
                    root.EnumerateArray().Where(c => Text(c, "name").StartsWith(environmentPrefix, StringComparison.Ordinal))
                        .Select(c => ($"environment container {Text(c, "name")}", $"{Text(c, "status")} image={Text(c, "image")}"))),
                ViewAsync("/api/docker/list", ct, root =>
                    root.EnumerateObject().Select(env => ($"tarballs of {env.Name}",
                        string.Join(",", env.Value.GetProperty("all_versions").EnumerateArray().Select(x => Text(x, "tarball")))))),
                NodeContainersAsync());
            var s = new StateSnapshot();
            foreach (var (path, broken, facts) in views)
            {
                if (broken is not null) s._broken[path] = broken;
                foreach (var (key, value) in facts) s._facts[$"{path} | {key}"] = value;
            }
            return s;
        }

        private async Task<(string Path, string? Broken, List<(string, string)> Facts)> NodeContainersAsync() =>
            ("docker", null, (await cluster.ContainersAsync(docker))
                .Select(c => ($"container {(c.Name is { Length: > 0 } name ? name : c.Id)}", c.State)).ToList());

        private async Task<(string Path, string? Broken, List<(string, string)> Facts)> ViewAsync(
            string path, CancellationToken ct, Func<JsonElement, IEnumerable<(string Key, string Value)>> facts)
        {
            using var response = await _http.GetAsync(path, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) return (path, $"{(int)response.StatusCode} {AdversarialCase.Excerpt(text, 160)}", []);
            using var doc = JsonDocument.Parse(text);
            return (path, null, facts(doc.RootElement).ToList());
        }

        public void Dispose() => _http.Dispose();
    }

    /// <summary>What changed from <paramref name="before"/> to this snapshot, one line per fact; empty when nothing did.
    /// Facts of a view broken in either snapshot are not compared; the view breaking is itself a change.</summary>
    public IReadOnlyList<string> ChangesSince(StateSnapshot before)
    {
        var changes = _broken.Where(b => !before._broken.ContainsKey(b.Key)).Select(b => $"GET {b.Key} broke: {b.Value}").ToList();
        bool Compared(string key) => !_broken.Keys.Concat(before._broken.Keys).Any(v => key.StartsWith(v + " | ", StringComparison.Ordinal));
        foreach (var (key, value) in _facts.Where(f => Compared(f.Key)))
        {
            if (!before._facts.TryGetValue(key, out var old)) changes.Add($"+ {key}: {value}");
            else if (old != value) changes.Add($"~ {key}: {old} -> {value}");
        }
        changes.AddRange(before._facts.Where(f => !_facts.ContainsKey(f.Key) && Compared(f.Key)).Select(f => $"- {f.Key}: {f.Value}"));
        return changes;
    }

    private static string Text(JsonElement e, string property) =>
        !e.TryGetProperty(property, out var p) ? "-" : p.ValueKind switch
        {
            JsonValueKind.String => p.GetString()!,
            JsonValueKind.Null => "-",
            _ => p.GetRawText(),
        };
}
