using System.Globalization;
using System.Text.Json.Nodes;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>The host's task endpoints: submission, queries, waits, control and output.</summary>
public static class TaskEndpointCatalogue
{
    public static IEnumerable<EndpointSpec> Build(FuzzTargets t)
    {
        var finished = Id(t.FinishedTaskId);
        var submit = SubmitBody(t);
        var submitRules = SubmitRules(t).ToList();
        var submitFields = SubmitFields().ToList();

        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/submit", Credential.ApiToken)
        {
            BaseBody = submit,
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields = submitFields,
            Rules = submitRules,
        };

        // The spec under test is the second one, so that the first (valid) one would be stored if the batch were not
        // refused as a whole.
        var batch = new JsonObject { ["tasks"] = new JsonArray(submit.DeepClone(), submit.DeepClone()) };
        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/batches", Credential.ApiToken)
        {
            BaseBody = batch,
            BodyLimit = RequestLimits.MaxBatchBodyBytes,
            Fields = [new FieldSpec("tasks", FieldKind.ObjectList) { Required = true }, .. submitFields.Select(f => f with { Path = "tasks[1]." + f.Path })],
            Rules = BatchRules(t, submit).ToList(),
            SampledRules = submitRules.Select(r => r.Under("tasks[1]")).ToList(),
            SampledRuleCount = 25,
        };

        yield return Get("/api/status/{id}", finished, ("unknown task", $"/api/status/{t.UnknownTaskId}"));

        yield return new EndpointSpec(Server.Host, HttpMethod.Get, "/api/tasks", Credential.ApiToken)
        {
            ExtraPaths = Queries("/api/tasks",
                "limit=0", "limit=100000", "limit=-1", "limit=abc", "limit=1.5", "offset=-1", "offset=abc", "offset=99999999999",
                "status=bogus", "status=%00", "status=3", "batch_id=x", "batch_id=0", "batch_id=-1", "batch_id=99999999999999999999").ToList(),
        };

        yield return Get("/api/tasks/{id}/wait", finished,
            [("unknown task", $"/api/tasks/{t.UnknownTaskId}/wait?timeout=0"),
             .. Queries($"/api/tasks/{finished}/wait", "timeout=-1", "timeout=301", "timeout=abc", "timeout=NaN", "timeout=1e400", "timeout=-0.5")]);

        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/tasks/wait", Credential.ApiToken)
        {
            BaseBody = new JsonObject { ["task_ids"] = new JsonArray(finished), ["any"] = false, ["timeout_seconds"] = 0 },
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields =
            [
                new FieldSpec("task_ids", FieldKind.IdList) { Required = true },
                new FieldSpec("any", FieldKind.Bool),
                new FieldSpec("timeout_seconds", FieldKind.Number) { NonNegative = true },
            ],
            Rules =
            [
                BodyMutation.Set("task_ids", "empty", new JsonArray()),
                BodyMutation.Set("task_ids", "unknown task", new JsonArray(Id(t.UnknownTaskId))),
                BodyMutation.Set("task_ids", "id 0", new JsonArray(0)),
                BodyMutation.Set("task_ids", "id abc", new JsonArray("abc")),
                BodyMutation.Set("timeout_seconds", "negative", -1),
                BodyMutation.Set("timeout_seconds", "above 300", 301),
            ],
        };

        yield return Control("/api/kill/{id}", t);
        yield return Control("/api/command/{id}/pause", t);
        yield return Control("/api/command/{id}/resume", t);
        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/command/{id}/{action}", Credential.ApiToken)
        {
            Natural = new Dictionary<string, string> { ["action"] = "pause", ["id"] = finished },
        };

        // The running task's container takes the natural command (`true`); every broken body is refused.
        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/tasks/{id}/exec", Credential.ApiToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = Id(t.RunningTaskId) },
            BaseBody = VpsEnvironmentCatalogue.ExecBody(),
            BodyLimit = RequestLimits.MaxBodyBytes,
            Fields = VpsEnvironmentCatalogue.ExecFields(),
            Rules = VpsEnvironmentCatalogue.ExecRules(),
            ExtraPaths = [("unknown task", $"/api/tasks/{t.UnknownTaskId}/exec"), ("finished task", $"/api/tasks/{finished}/exec")],
        };
        yield return new EndpointSpec(Server.Host, HttpMethod.Post, "/api/ws-tickets", Credential.ApiToken);

        foreach (var stream in new[] { "stdout", "stderr" })
        {
            yield return Get($"/api/tasks/{{id}}/{stream}", finished,
                [("unknown task", $"/api/tasks/{t.UnknownTaskId}/{stream}"),
                 .. Queries($"/api/tasks/{finished}/{stream}", "lines=-5", "lines=abc", "lines=1.5", "offset=-1", "offset=abc", "lines=1&offset=0")]);
        }
    }

    /// <summary>A task that would run (and pass every rule) if submitted: each mutation breaks exactly one thing.</summary>
    public static JsonObject SubmitBody(FuzzTargets t) => new()
    {
        ["task_type"] = "command",
        ["name"] = "fuzz",
        ["command"] = "true",
        ["arguments"] = new JsonArray("a"),
        ["env_vars"] = new JsonObject { ["FUZZ"] = "1" },
        ["parameters"] = new JsonObject { ["p"] = "1" },
        ["required_cores"] = 1,
        ["required_memory_bytes"] = 64L << 20,
        ["pids_limit"] = 100,
        ["targets"] = new JsonArray(t.NodeName),
        ["container_name"] = "busybox",
        ["privileged"] = false,
        ["additional_mounts"] = new JsonArray($"{t.MountableDir}:/data:ro"),
    };

    private static IEnumerable<FieldSpec> SubmitFields() =>
    [
        new("task_type", FieldKind.Text),
        new("name", FieldKind.Text),
        new("command", FieldKind.Text) { Required = true },
        new("arguments", FieldKind.TextList),
        new("env_vars", FieldKind.TextMap),
        new("parameters", FieldKind.TextMap),
        new("required_cores", FieldKind.Int32) { NonNegative = true },
        new("required_memory_bytes", FieldKind.Int64) { Positive = true },
        new("pids_limit", FieldKind.Int32) { Positive = true },
        new("targets", FieldKind.TextList),
        new("container_name", FieldKind.Text),
        new("registry_image", FieldKind.Text) { Sample = "kohakuriver/busybox:base" },
        new("privileged", FieldKind.Bool),
        new("additional_mounts", FieldKind.TextList) { Sample = "/tmp:/data" },
        new("required_gpus", FieldKind.IntListList),
        new("required_gpu_count", FieldKind.Int32) { Positive = true },
    ];

    private static IEnumerable<BodyMutation> SubmitRules(FuzzTargets t)
    {
        foreach (var type in new[] { "vps", "shell", "", "COMMAND" })
            yield return BodyMutation.Set("task_type", $"unknown '{type}'", type);

        yield return BodyMutation.Set("name", $"{RequestLimits.MaxNameBytes + 1} bytes", RuleValues.Repeat(RequestLimits.MaxNameBytes + 1));
        yield return BodyMutation.Set("name", $"{RequestLimits.MaxNameBytes / 2 + 1} two-byte characters", RuleValues.Repeat(RequestLimits.MaxNameBytes / 2 + 1, 'é'));
        yield return BodyMutation.Set("name", "NUL byte", "fu\0zz");

        yield return BodyMutation.Set("command", "empty", "");
        yield return BodyMutation.Set("command", "blank", "   ");
        yield return BodyMutation.Set("command", "NUL byte", "true\0false");
        yield return BodyMutation.Set("command", $"{RequestLimits.MaxCommandBytes + 1} bytes", "true" + RuleValues.Repeat(RequestLimits.MaxCommandBytes - 3, ' '));

        yield return BodyMutation.Set("arguments", "NUL byte", new JsonArray("a\0b"));
        yield return BodyMutation.Set("arguments", $"{RequestLimits.MaxArguments + 1} arguments", RuleValues.Strings(Enumerable.Repeat("a", RequestLimits.MaxArguments + 1)));
        yield return BodyMutation.Set("arguments", $"over {RequestLimits.MaxArgumentsBytes} bytes in all",
            RuleValues.Strings(Enumerable.Repeat(RuleValues.Repeat(RequestLimits.MaxArgumentsBytes / 2 + 1), 2)));

        foreach (var (why, name) in new[] { ("empty", ""), ("'='", "A=B"), ("a space", "A B"), ("leading digit", "1A"), ("NUL byte", "A\0B"), ($"{RequestLimits.MaxEnvNameBytes + 1} bytes", RuleValues.Repeat(RequestLimits.MaxEnvNameBytes + 1, 'A')) })
            yield return BodyMutation.Set("env_vars", $"name {why}", new JsonObject { [name] = "v" });
        yield return BodyMutation.Set("env_vars", "value with a NUL byte", new JsonObject { ["A"] = "v\0w" });
        yield return BodyMutation.Set("env_vars", $"{RequestLimits.MaxEnvVars + 1} variables", Map(RequestLimits.MaxEnvVars + 1, "V", "1"));
        yield return BodyMutation.Set("env_vars", $"over {RequestLimits.MaxEnvBytes} bytes in all", new JsonObject { ["BIG"] = RuleValues.Repeat(RequestLimits.MaxEnvBytes) });

        yield return BodyMutation.Set("parameters", $"{RequestLimits.MaxParameters + 1} parameters", Map(RequestLimits.MaxParameters + 1, "p", "1"));
        yield return BodyMutation.Set("parameters", $"over {RequestLimits.MaxParametersBytes} bytes in all", new JsonObject { ["big"] = RuleValues.Repeat(RequestLimits.MaxParametersBytes) });
        yield return BodyMutation.Set("parameters", "NUL byte in a name", new JsonObject { ["p\0"] = "1" });
        yield return BodyMutation.Set("parameters", "NUL byte in a value", new JsonObject { ["p"] = "1\0" });

        foreach (var m in RuleValues.BadResources(t)) yield return m;

        foreach (var (why, target) in RuleValues.BadTargets(t))
            yield return BodyMutation.Set("targets", why, new JsonArray(target));
        yield return BodyMutation.Set("targets", $"{RequestLimits.MaxTargets + 1} targets", RuleValues.Strings(Enumerable.Repeat(t.NodeName, RequestLimits.MaxTargets + 1)));

        yield return BodyMutation.Set("required_gpus", "GPU on a node without GPUs", JsonNode.Parse("[[0]]"));
        yield return BodyMutation.Set("required_gpus", "negative GPU id", JsonNode.Parse("[[-1]]"));
        yield return BodyMutation.Set("required_gpus", "two lists for one target", JsonNode.Parse("[[0],[1]]"));
        yield return BodyMutation.Set("required_gpus", $"{RequestLimits.MaxGpuIds + 1} GPU ids",
            new JsonArray(new JsonArray(Enumerable.Range(0, RequestLimits.MaxGpuIds + 1).Select(i => (JsonNode?)i).ToArray())));
        yield return BodyMutation.Set("required_gpu_count", "GPUs on a node without GPUs", 1);
        yield return BodyMutation.Set("required_gpu_count", "zero", 0);
        yield return BodyMutation.Set("required_gpu_count", $"{RequestLimits.MaxGpuIds + 1}", RequestLimits.MaxGpuIds + 1);
        yield return new BodyMutation("required_gpu_count with required_gpus", body => { body["required_gpu_count"] = 1; body["required_gpus"] = JsonNode.Parse("[[0]]"); });
        yield return new BodyMutation("required_gpu_count with GPU ids in a target", body => { body["required_gpu_count"] = 1; body["targets"] = new JsonArray($"{t.NodeName}::0"); });

        foreach (var (why, name) in RuleValues.BadEnvironmentNames())
            yield return BodyMutation.Set("container_name", why, name);
        yield return BodyMutation.Set("container_name", "unknown environment", t.AbsentEnvironment);
        foreach (var (why, image) in RuleValues.BadImages())
            yield return BodyMutation.Set("registry_image", why, image);

        yield return BodyMutation.Set("privileged", "true (refused by default)", true);

        foreach (var (why, mount) in RuleValues.BadMounts(t))
            yield return BodyMutation.Set("additional_mounts", why, new JsonArray(mount));
        yield return BodyMutation.Set("additional_mounts", $"{RequestLimits.MaxMounts + 1} mounts",
            RuleValues.Strings(Enumerable.Range(0, RequestLimits.MaxMounts + 1).Select(i => $"{t.MountableDir}:/data{i}:ro")));

        // Each part within its own limit, together over the limit on one task.
        yield return new BodyMutation($"whole spec over {RequestLimits.MaxTaskBytes} bytes", body =>
        {
            body["command"] = "true " + RuleValues.Repeat(60 * 1024);
            body["arguments"] = RuleValues.Strings(Enumerable.Repeat(RuleValues.Repeat(30 * 1024), 2));
            body["env_vars"] = new JsonObject { ["BIG"] = RuleValues.Repeat(30 * 1024) };
        });
    }

    private static IEnumerable<BodyMutation> BatchRules(FuzzTargets t, JsonObject submit)
    {
        yield return BodyMutation.Set("tasks", "empty", new JsonArray());
        yield return BodyMutation.Set("tasks", "null element", new JsonArray(submit.DeepClone(), null));
        yield return BodyMutation.Set("tasks", "number element", new JsonArray(submit.DeepClone(), 5));
        var small = new JsonObject { ["command"] = "true", ["required_memory_bytes"] = 64L << 20 };
        yield return BodyMutation.Set("tasks", $"{RequestLimits.MaxBatchTasks + 1} tasks",
            new JsonArray(Enumerable.Range(0, RequestLimits.MaxBatchTasks + 1).Select(_ => (JsonNode?)small.DeepClone()).ToArray()));
        // Few specs, but one task per target: over the limit once expanded.
        var wide = new JsonObject
        {
            ["command"] = "true",
            ["required_memory_bytes"] = 64L << 20,
            ["targets"] = RuleValues.Strings(Enumerable.Repeat(t.NodeName, RequestLimits.MaxTargets)),
        };
        var specs = RequestLimits.MaxBatchTasks / RequestLimits.MaxTargets + 1;
        yield return BodyMutation.Set("tasks", $"{specs} specs x {RequestLimits.MaxTargets} targets (over {RequestLimits.MaxBatchTasks} tasks)",
            new JsonArray(Enumerable.Range(0, specs).Select(_ => (JsonNode?)wide.DeepClone()).ToArray()));
    }

    private static EndpointSpec Control(string template, FuzzTargets t) =>
        new(Server.Host, HttpMethod.Post, template, Credential.ApiToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = Id(t.FinishedTaskId) },
            ExtraPaths =
            [
                ("unknown task", template.Replace("{id}", Id(t.UnknownTaskId), StringComparison.Ordinal)),
                ("finished task", template.Replace("{id}", Id(t.FinishedTaskId), StringComparison.Ordinal)),
            ],
        };

    private static EndpointSpec Get(string template, string id, params IEnumerable<(string, string)> extra) =>
        new(Server.Host, HttpMethod.Get, template, Credential.ApiToken)
        {
            Natural = new Dictionary<string, string> { ["id"] = id },
            ExtraPaths = extra.ToList(),
        };

    public static IEnumerable<(string Kind, string Path)> Queries(string path, params string[] queries) =>
        queries.Select(q => ($"query {q}", $"{path}?{q}"));

    private static JsonObject Map(int count, string prefix, string value)
    {
        var map = new JsonObject();
        for (var i = 0; i < count; i++) map[$"{prefix}{i}"] = value;
        return map;
    }

    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
