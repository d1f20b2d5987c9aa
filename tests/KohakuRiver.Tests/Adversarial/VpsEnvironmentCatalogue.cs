using System.Text.Json.Nodes;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>The host's VPS endpoints and its environment endpoints under /api/docker.</summary>
public static class VpsEnvironmentCatalogue
{
    public static IEnumerable<EndpointSpec> Build(FuzzTargets t)
    {
        var finished = TaskEndpointCatalogue.Id(t.FinishedTaskId);
        var unknown = TaskEndpointCatalogue.Id(t.UnknownTaskId);

        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/vps/create", Credential.ApiToken)
        {
            // wait_seconds 0: a VPS accepted by mistake is answered at once (it stays queued behind the running task).
            BaseBody = new JsonObject
            {
                ["name"] = "fuzz",
                ["required_cores"] = 1,
                ["required_memory_bytes"] = 64L << 20,
                ["pids_limit"] = 100,
                ["target_hostname"] = t.NodeName,
                ["container_name"] = "busybox",
                ["ssh_key_mode"] = "disabled",
                ["additional_mounts"] = new JsonArray($"{t.MountableDir}:/data:ro"),
                ["wait_seconds"] = 0,
            },
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields =
            [
                new FieldSpec("name", FieldKind.Text),
                new FieldSpec("required_cores", FieldKind.Int32) { NonNegative = true },
                new FieldSpec("required_memory_bytes", FieldKind.Int64) { Positive = true },
                new FieldSpec("pids_limit", FieldKind.Int32) { Positive = true },
                new FieldSpec("target_hostname", FieldKind.Text),
                new FieldSpec("target_numa_node_id", FieldKind.Int32) { NonNegative = true },
                new FieldSpec("container_name", FieldKind.Text),
                new FieldSpec("registry_image", FieldKind.Text) { Sample = "kohakuriver/busybox:base" },
                new FieldSpec("ssh_key_mode", FieldKind.Text),
                new FieldSpec("ssh_public_key", FieldKind.Text) { Sample = "ssh-ed25519 AAAA fuzz" },
                new FieldSpec("additional_mounts", FieldKind.TextList) { Sample = "/tmp:/data" },
                new FieldSpec("required_gpus", FieldKind.IntList),
                new FieldSpec("required_gpu_count", FieldKind.Int32) { Positive = true },
                new FieldSpec("wait_seconds", FieldKind.Number) { NonNegative = true },
            ],
            Rules = VpsRules(t).ToList(),
        };

        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/vps", Credential.ApiToken);
        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/vps/status", Credential.ApiToken);
        foreach (var action in new[] { "stop", "restart" })
        {
            yield return new EndpointSpec(Server.Host, HttpMethod.Post, $"/api/vps/{action}/{{id}}", Credential.ApiToken)
            {
                Natural = new Dictionary<string, string> { ["id"] = finished },
                ExtraPaths = [("unknown task", $"/api/vps/{action}/{unknown}"), ("finished task that is no VPS", $"/api/vps/{action}/{finished}")],
            };
        }

        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/docker/host/containers", Credential.ApiToken);
        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/docker/list", Credential.ApiToken);

        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/docker/host/create", Credential.ApiToken)
        {
            BaseBody = new JsonObject { ["image_name"] = t.Image, ["container_name"] = t.NewEnvironment },
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields =
            [
                new FieldSpec("image_name", FieldKind.Text) { Required = true },
                new FieldSpec("container_name", FieldKind.Text) { Required = true },
            ],
            Rules =
            [
                .. RuleValues.BadImages().Select(x => BodyMutation.Set("image_name", x.Why, x.Image)),
                BodyMutation.Set("image_name", "image not on the host", "kohakuriver/fuzz-absent:none"),
                .. RuleValues.BadEnvironmentNames().Select(x => BodyMutation.Set("container_name", x.Why, x.Name)),
                BodyMutation.Set("container_name", "environment that already has a container", t.SeededEnvironment),
            ],
        };

        // The seeded environment exists and runs: starting it again is harmless, so the natural request is valid.
        yield return Environment("/api/docker/host/start/{env}", HttpMethod.Post, t.SeededEnvironment, t);
        foreach (var template in new[] { "/api/docker/host/stop/{env}", "/api/docker/host/delete/{env}", "/api/docker/create_tar/{env}" })
            yield return Environment(template, HttpMethod.Post, t.AbsentEnvironment, t);

        yield return Environment("/api/docker/host/exec/{env}", HttpMethod.Post, t.SeededEnvironment, t) with
        {
            BaseBody = ExecBody(),
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields = ExecFields(),
            Rules = ExecRules(),
        };

        yield return Environment("/api/docker/container/{env}", HttpMethod.Delete, t.AbsentEnvironment, t) with
        {
            ExtraPaths =
            [
                ("unknown environment", $"/api/docker/container/{t.AbsentEnvironment}"),
                .. TaskEndpointCatalogue.Queries($"/api/docker/container/{t.AbsentEnvironment}", "timestamp=abc", "timestamp=-1", "timestamp=1e5", "timestamp=%00"),
            ],
        };
    }

    private static EndpointSpec Environment(string template, HttpMethod method, string natural, FuzzTargets t) =>
        new(Server.Host, method, template, Credential.ApiToken)
        {
            Natural = new Dictionary<string, string> { ["env"] = natural },
            ExtraPaths = [("unknown environment", template.Replace("{env}", t.AbsentEnvironment, StringComparison.Ordinal))],
        };

    private static IEnumerable<BodyMutation> VpsRules(FuzzTargets t)
    {
        foreach (var m in RuleValues.BadResources(t)) yield return m;
        yield return BodyMutation.Set("name", $"{RequestLimits.MaxNameBytes + 1} bytes", RuleValues.Repeat(RequestLimits.MaxNameBytes + 1));
        yield return BodyMutation.Set("name", "NUL byte", "fu\0zz");
        yield return BodyMutation.Set("target_hostname", "malformed", "bad name!");
        yield return BodyMutation.Set("target_hostname", "unknown node", "kohakuriver-fuzz-no-such-node");
        yield return BodyMutation.Set("target_hostname", "empty", "");
        yield return BodyMutation.Set("target_hostname", "NUL byte", t.NodeName + "\0");
        yield return BodyMutation.Set("target_numa_node_id", "negative", -1);
        yield return BodyMutation.Set("target_numa_node_id", "NUMA node the node lacks", 99);
        foreach (var (why, name) in RuleValues.BadEnvironmentNames())
            yield return BodyMutation.Set("container_name", why, name);
        yield return BodyMutation.Set("container_name", "unknown environment", t.AbsentEnvironment);
        foreach (var (why, image) in RuleValues.BadImages())
            yield return BodyMutation.Set("registry_image", why, image);
        foreach (var mode in new[] { "none", "bogus", "", "UPLOAD", "disabled\0" })
            yield return BodyMutation.Set("ssh_key_mode", $"unknown '{mode}'", mode);
        yield return new BodyMutation("ssh_key_mode upload without a key", body => body["ssh_key_mode"] = "upload");
        yield return new BodyMutation("ssh_public_key: not a key", body => { body["ssh_key_mode"] = "upload"; body["ssh_public_key"] = "garbage"; });
        yield return new BodyMutation($"ssh_public_key: {RequestLimits.MaxSshPublicKeyBytes + 1} bytes", body =>
        {
            body["ssh_key_mode"] = "upload";
            body["ssh_public_key"] = "ssh-ed25519 " + RuleValues.Repeat(RequestLimits.MaxSshPublicKeyBytes + 1 - 12, 'A');
        });
        yield return new BodyMutation("ssh_public_key: NUL byte", body => { body["ssh_key_mode"] = "upload"; body["ssh_public_key"] = "ssh-ed25519 AAAA\0 fuzz"; });
        yield return new BodyMutation("ssh_public_key with ssh_key_mode generate", body => { body["ssh_key_mode"] = "generate"; body["ssh_public_key"] = "ssh-ed25519 AAAA fuzz"; });
        foreach (var (why, mount) in RuleValues.BadMounts(t))
            yield return BodyMutation.Set("additional_mounts", why, new JsonArray(mount));
        yield return BodyMutation.Set("required_gpus", "GPU on a node without GPUs", new JsonArray(0));
        yield return BodyMutation.Set("required_gpus", "negative GPU id", new JsonArray(-1));
        yield return BodyMutation.Set("required_gpus", $"{RequestLimits.MaxGpuIds + 1} GPU ids", new JsonArray(Enumerable.Range(0, RequestLimits.MaxGpuIds + 1).Select(i => (JsonNode?)i).ToArray()));
        yield return BodyMutation.Set("required_gpu_count", "GPUs on a node without GPUs", 1);
        yield return BodyMutation.Set("required_gpu_count", "zero", 0);
        yield return BodyMutation.Set("required_gpu_count", $"{RequestLimits.MaxGpuIds + 1}", RequestLimits.MaxGpuIds + 1);
        yield return new BodyMutation("required_gpu_count with required_gpus", body => { body["required_gpu_count"] = 1; body["required_gpus"] = new JsonArray(0); });
        yield return BodyMutation.Set("wait_seconds", "negative", -1);
        yield return BodyMutation.Set("wait_seconds", "above 300", 301);
    }

    /// <summary>A one-shot command, as environment and task exec take it: valid, quick and harmless.</summary>
    public static JsonObject ExecBody() => new() { ["command"] = "true", ["timeout_seconds"] = 10 };

    public static IReadOnlyList<FieldSpec> ExecFields() =>
    [
        new FieldSpec("command", FieldKind.Text),
        new FieldSpec("arguments", FieldKind.TextList) { Sample = "true" },
        new FieldSpec("timeout_seconds", FieldKind.Number) { Positive = true },
    ];

    public static IReadOnlyList<BodyMutation> ExecRules() =>
    [
        BodyMutation.Set("command", "empty, no arguments", ""),
        BodyMutation.Set("command", "NUL byte", "true\0false"),
        BodyMutation.Set("command", $"{RequestLimits.MaxCommandBytes + 1} bytes", "true" + RuleValues.Repeat(RequestLimits.MaxCommandBytes - 3, ' ')),
        new BodyMutation("neither command nor arguments", body => { body.Remove("command"); body["arguments"] = new JsonArray(); }),
        BodyMutation.Set("arguments", "NUL byte", new JsonArray("tr\0ue")),
        BodyMutation.Set("arguments", "empty program", new JsonArray("")),
        BodyMutation.Set("arguments", $"{RequestLimits.MaxArguments + 1} arguments", RuleValues.Strings(Enumerable.Repeat("true", RequestLimits.MaxArguments + 1))),
        BodyMutation.Set("timeout_seconds", "negative", -1),
        BodyMutation.Set("timeout_seconds", "above 3600", 3601),
    ];
}
