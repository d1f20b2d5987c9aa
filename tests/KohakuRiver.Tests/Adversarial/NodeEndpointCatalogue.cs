using System.Text.Json.Nodes;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// The host's runner-facing endpoints (cluster token) and the node views. A valid register or heartbeat would change
/// what the host stores, so the base bodies are built to be harmless if a mutation is wrongly accepted: the register
/// names a node of its own (never the real one) too small for any queued task, and the heartbeat of the real node
/// lists the task that really runs there, so that accepting it loses nothing.
/// </summary>
public static class NodeEndpointCatalogue
{
    public static IEnumerable<EndpointSpec> Build(FuzzTargets t)
    {
        var fakeNode = "kohakuriver-fuzz-" + t.EnvironmentPrefix;
        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/register", Credential.ClusterToken)
        {
            BaseBody = new JsonObject
            {
                ["hostname"] = fakeNode,
                ["url"] = "http://127.0.0.1:9",
                ["total_cores"] = 1,
                ["total_ram_bytes"] = 16L << 20,
                ["runner_version"] = "fuzz",
            },
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields =
            [
                new FieldSpec("hostname", FieldKind.Text) { Required = true },
                new FieldSpec("url", FieldKind.Text) { Required = true },
                new FieldSpec("total_cores", FieldKind.Int32) { Required = true, Positive = true },
                new FieldSpec("total_ram_bytes", FieldKind.Int64) { Required = true, Positive = true },
                new FieldSpec("numa_topology", FieldKind.Object),
                new FieldSpec("gpu_info", FieldKind.ObjectList),
                new FieldSpec("runner_version", FieldKind.Text),
            ],
            Rules =
            [
                BodyMutation.Set("hostname", "malformed", "bad name!"),
                BodyMutation.Set("hostname", "empty", ""),
                BodyMutation.Set("hostname", "254 characters", RuleValues.Repeat(254)),
                BodyMutation.Set("hostname", "a slash", "a/b"),
                BodyMutation.Set("url", "ftp scheme", "ftp://127.0.0.1:9"),
                BodyMutation.Set("url", "not a URL", "not a url"),
                BodyMutation.Set("url", "empty", ""),
                BodyMutation.Set("url", "no host", "http://"),
                BodyMutation.Set("url", "file scheme", "file:///etc/passwd"),
                BodyMutation.Set("url", "NUL byte", "http://127.0.0.1:9/\0"),
                BodyMutation.Set("total_cores", "zero", 0),
                BodyMutation.Set("total_cores", "negative", -1),
                BodyMutation.Set("total_ram_bytes", "zero", 0),
                BodyMutation.Set("total_ram_bytes", "negative", -1),
                BodyMutation.Set("numa_topology", "NUMA id not a number", JsonNode.Parse("""{"x":{"cores":[0],"memory_bytes":1}}""")),
                BodyMutation.Set("numa_topology", "negative core id", JsonNode.Parse("""{"0":{"cores":[-1],"memory_bytes":1}}""")),
                BodyMutation.Set("gpu_info", "negative GPU id", JsonNode.Parse("""[{"gpu_id":-1,"name":"x"}]""")),
            ],
        };

        var running = TaskEndpointCatalogue.Id(t.RunningTaskId);
        yield return new EndpointSpec(Server.Host, HttpMethod.Put, "/api/heartbeat/{hostname}", Credential.ClusterToken)
        {
            Natural = new Dictionary<string, string> { ["hostname"] = t.NodeName },
            BaseBody = new JsonObject
            {
                ["running_tasks"] = new JsonArray(running),
                ["killed_tasks"] = new JsonArray(),
                ["cpu_percent"] = 1.0,
                ["memory_percent"] = 1.0,
                ["memory_used_bytes"] = 1L << 20,
                ["memory_total_bytes"] = t.NodeMemoryBytes,
                ["runner_version"] = "fuzz",
            },
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields =
            [
                new FieldSpec("running_tasks", FieldKind.IdList),
                new FieldSpec("killed_tasks", FieldKind.ObjectList),
                new FieldSpec("cpu_percent", FieldKind.Number),
                new FieldSpec("memory_percent", FieldKind.Number),
                new FieldSpec("memory_used_bytes", FieldKind.Int64) { NonNegative = true },
                new FieldSpec("memory_total_bytes", FieldKind.Int64) { NonNegative = true },
                new FieldSpec("gpu_info", FieldKind.ObjectList),
                new FieldSpec("runner_version", FieldKind.Text),
            ],
            Rules =
            [
                BodyMutation.Set("killed_tasks", "id -1", JsonNode.Parse("""[{"task_id":-1,"reason":"x"}]""")),
                BodyMutation.Set("killed_tasks", "id 0", JsonNode.Parse("""[{"task_id":0,"reason":"x"}]""")),
                BodyMutation.Set("killed_tasks", "id abc", JsonNode.Parse("""[{"task_id":"abc","reason":"x"}]""")),
                BodyMutation.Set("killed_tasks", "reason with a NUL byte", JsonNode.Parse("""[{"task_id":"1","reason":"x\u0000"}]""")),
            ],
            ExtraPaths = [("unknown node", "/api/heartbeat/kohakuriver-fuzz-no-such-node")],
        };

        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/update", Credential.ClusterToken)
        {
            // For the finished task: accepted by mistake, it is ignored as stale rather than changing a live task.
            BaseBody = new JsonObject
            {
                ["task_id"] = TaskEndpointCatalogue.Id(t.FinishedTaskId),
                ["status"] = "completed",
                ["exit_code"] = 0,
                ["message"] = "fuzz",
                ["completed_at"] = "2024-01-01T00:00:00Z",
            },
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields =
            [
                new FieldSpec("task_id", FieldKind.Id) { Required = true },
                new FieldSpec("status", FieldKind.Text) { Required = true },
                new FieldSpec("exit_code", FieldKind.Int32),
                new FieldSpec("message", FieldKind.Text),
                new FieldSpec("started_at", FieldKind.Timestamp),
                new FieldSpec("completed_at", FieldKind.Timestamp),
                new FieldSpec("ssh_port", FieldKind.Int32) { Positive = true },
            ],
            Rules =
            [
                BodyMutation.Set("status", "unknown 'bogus'", "bogus"),
                BodyMutation.Set("status", "empty", ""),
                BodyMutation.Set("status", "a number", "3"),
                BodyMutation.Set("status", "NUL byte", "running\0"),
                BodyMutation.Set("task_id", "unknown task", TaskEndpointCatalogue.Id(t.UnknownTaskId)),
                BodyMutation.Set("ssh_port", "above 65535", 70000),
                BodyMutation.Set("ssh_port", "negative", -1),
            ],
        };

        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/nodes", Credential.ApiToken);
        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/health", Credential.ApiToken);
        var history = $"/api/nodes/{t.NodeName}/history";
        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/nodes/{hostname}/history", Credential.ApiToken)
        {
            Natural = new Dictionary<string, string> { ["hostname"] = t.NodeName },
            ExtraPaths =
            [
                ("unknown node", "/api/nodes/kohakuriver-no-such-node/history"),
                .. TaskEndpointCatalogue.Queries(history,
                    "since=yesterday", "since=%00", "since=2024-13-45T99:00:00Z", "since=" + new string('1', 200),
                    "since=2024-06-01T08:00:00Z&since=2024-06-01T09:00:00Z",
                    "last=0", "last=-1", "last=7201", "last=abc", "last=1.5", "last=99999999999"),
            ],
        };
    }
}
