using System.Text.Json.Nodes;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// The runner API (cluster token). A valid execute would start a container, so the base task names an image the
/// node does not have and an id the host does not know: accepted by mistake, it fails before any container exists
/// and its report is refused by the host.
/// </summary>
public static class RunnerEndpointCatalogue
{
    public const string AbsentImage = "kohakuriver-fuzz/absent:none";

    public static IEnumerable<EndpointSpec> Build(FuzzTargets t)
    {
        var unknown = TaskEndpointCatalogue.Id(t.UnknownTaskId);
        yield return new EndpointSpec(Server.Runner, HttpMethod.Post, "/api/execute", Credential.ClusterToken)
        {
            BaseBody = new JsonObject
            {
                ["task_id"] = unknown,
                ["task_type"] = "command",
                ["batch_id"] = unknown,
                ["name"] = "fuzz",
                ["command"] = "true",
                ["arguments"] = new JsonArray("a"),
                ["env_vars"] = new JsonObject { ["FUZZ"] = "1" },
                ["parameters"] = new JsonObject(),
                ["required_cores"] = 1,
                ["required_memory_bytes"] = 64L << 20,
                ["status"] = "assigning",
                ["registry_image"] = AbsentImage,
                ["privileged"] = false,
                ["additional_mounts"] = new JsonArray(),
            },
            Fields =
            [
                new FieldSpec("task_id", FieldKind.Id) { Required = true },
                new FieldSpec("task_type", FieldKind.Text),
                new FieldSpec("batch_id", FieldKind.Id),
                new FieldSpec("name", FieldKind.Text),
                new FieldSpec("command", FieldKind.Text),
                new FieldSpec("arguments", FieldKind.TextList),
                new FieldSpec("env_vars", FieldKind.TextMap),
                new FieldSpec("parameters", FieldKind.TextMap),
                new FieldSpec("required_cores", FieldKind.Int32) { NonNegative = true },
                new FieldSpec("required_memory_bytes", FieldKind.Int64) { Positive = true },
                new FieldSpec("status", FieldKind.Text),
                new FieldSpec("container_name", FieldKind.Text) { Sample = "busybox" },
                new FieldSpec("registry_image", FieldKind.Text),
                new FieldSpec("privileged", FieldKind.Bool),
                new FieldSpec("additional_mounts", FieldKind.TextList) { Sample = "/tmp:/data" },
            ],
            Rules =
            [
                BodyMutation.Set("task_id", "zero", 0),
                BodyMutation.Set("task_id", "negative", -1),
                BodyMutation.Remove("task_id"),
                BodyMutation.Set("command", "NUL byte", "true\0false"),
                BodyMutation.Set("arguments", "NUL byte", new JsonArray("a\0b")),
                BodyMutation.Set("env_vars", "NUL byte in a name", new JsonObject { ["A\0B"] = "v" }),
                BodyMutation.Set("env_vars", "NUL byte in a value", new JsonObject { ["A"] = "v\0w" }),
                BodyMutation.Set("name", "NUL byte", "fu\0zz"),
                BodyMutation.Set("container_name", "NUL byte", "busy\0box"),
                BodyMutation.Set("registry_image", "NUL byte", AbsentImage + "\0"),
                BodyMutation.Set("additional_mounts", "NUL byte", new JsonArray($"{t.MountableDir}\0:/x")),
                BodyMutation.Set("status", "unknown 'bogus'", "bogus"),
                BodyMutation.Set("task_type", "unknown 'bogus'", "bogus"),
            ],
        };

        foreach (var action in new[] { "kill", "pause", "resume" })
        {
            yield return new EndpointSpec(Server.Runner, HttpMethod.Post, $"/api/{action}", Credential.ClusterToken)
            {
                BaseBody = new JsonObject { ["task_id"] = unknown, ["container_name"] = "kohakuriver-task-" + unknown },
                Fields =
                [
                    new FieldSpec("task_id", FieldKind.Id) { Required = true },
                    new FieldSpec("container_name", FieldKind.Text),
                ],
                Rules =
                [
                    BodyMutation.Set("task_id", "zero", 0),
                    BodyMutation.Set("task_id", "negative", -1),
                    BodyMutation.Remove("task_id"),
                    BodyMutation.Set("container_name", "NUL byte", "kohakuriver-task-\0"),
                ],
            };
        }

        // A stop for an id the runner does not hold is valid (it remembers not to start it), so the natural request
        // is one for an unknown VPS and only malformed ids are sent.
        yield return new EndpointSpec(Server.Runner, HttpMethod.Post, "/api/vps/stop/{id}", Credential.ClusterToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = unknown },
        };
        yield return new EndpointSpec(Server.Runner, HttpMethod.Post, "/api/vps/restart/{id}", Credential.ClusterToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = unknown },
            ExtraPaths = [("unknown VPS", $"/api/vps/restart/{unknown}")],
        };
        // The same rules as the host's task exec, held again where the command runs.
        yield return new EndpointSpec(Server.Runner, HttpMethod.Post, "/api/tasks/{id}/exec", Credential.ClusterToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = TaskEndpointCatalogue.Id(t.RunningTaskId) },
            BaseBody = VpsEnvironmentCatalogue.ExecBody(),
            BodyLimit = KohakuRiver.Core.Wire.RequestLimits.MaxBodyBytes,
            Fields = VpsEnvironmentCatalogue.ExecFields(),
            Rules = VpsEnvironmentCatalogue.ExecRules(),
            ExtraPaths = [("task not on this node", $"/api/tasks/{unknown}/exec")],
        };
        yield return new EndpointSpec(Server.Runner, HttpMethod.Get, "/api/health", Credential.ClusterToken);
        // A forward to a task the runner does not hold: refused before any upgrade, as are bad ports and protocols.
        yield return new EndpointSpec(Server.Runner, HttpMethod.Get, "/ws/forward/{id}/{port}", Credential.ClusterToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = unknown, ["port"] = "8080" },
            ExtraPaths =
            [
                ("port 0", $"/ws/forward/{unknown}/0"),
                ("port 65536", $"/ws/forward/{unknown}/65536"),
                ("proto sctp", $"/ws/forward/{unknown}/8080?proto=sctp"),
            ],
        };
    }
}
