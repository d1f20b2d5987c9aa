using System.Text.Json;
using System.Text.Json.Nodes;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class WireContractTests
{
    private const long BigId = 7_151_234_567_890_123_456; // > 2^53: loses precision as a JSON double

    private static JsonObject ToJson<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonNode.Parse(JsonSerializer.Serialize(value, info))!.AsObject();

    [Fact]
    public void A_task_is_written_with_snake_case_names_string_ids_and_wire_status()
    {
        var t = new TaskDto
        {
            TaskId = BigId,
            BatchId = BigId - 1,
            Command = "echo",
            RequiredCores = 2,
            RequiredMemoryBytes = 1024,
            TargetHostname = "n1",
            TargetNumaNodeId = 0,
            Status = RiverTaskStatus.KilledOom,
            NodeName = "n1",
            Environment = "busybox",
            Image = "docker.io/library/alpine:3",
            DockerImageName = "kohakuriver/busybox:base",
            ExitCode = 137,
            SubmittedAt = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
        };
        var json = ToJson(t, RiverJsonContext.Default.TaskDto);

        Assert.Equal(JsonValueKind.String, json["task_id"]!.GetValueKind());
        Assert.Equal("7151234567890123456", json["task_id"]!.GetValue<string>());
        Assert.Equal("7151234567890123455", json["batch_id"]!.GetValue<string>());
        Assert.Equal("killed_oom", json["status"]!.GetValue<string>());
        Assert.Equal("n1", json["assigned_node"]!.GetValue<string>());
        Assert.Equal("n1", json["target_hostname"]!.GetValue<string>());
        Assert.Equal(0, json["target_numa_node_id"]!.GetValue<int>());
        Assert.Equal("busybox", json["container_name"]!.GetValue<string>());
        Assert.Equal("docker.io/library/alpine:3", json["registry_image"]!.GetValue<string>());
        Assert.Equal("kohakuriver/busybox:base", json["docker_image_name"]!.GetValue<string>());
        Assert.Equal(2, json["required_cores"]!.GetValue<int>());
        Assert.Equal(1024, json["required_memory_bytes"]!.GetValue<long>());
        Assert.Equal(137, json["exit_code"]!.GetValue<int>());
        Assert.Equal("command", json["task_type"]!.GetValue<string>());
        Assert.Equal("2024-01-02T03:04:05+00:00", json["submitted_at"]!.GetValue<string>());
        Assert.Null(json["node_name"]);
        Assert.Null(json["environment"]);
        Assert.Null(json["TaskId"]);
        // Nulls are left out, and computed properties are never written.
        Assert.False(json.ContainsKey("started_at"));
        Assert.False(json.ContainsKey("error_message"));
        Assert.False(json.ContainsKey("is_finished"));
        Assert.False(json.ContainsKey("duration"));
    }

    [Fact]
    public void A_task_reads_ids_from_strings_and_from_numbers()
    {
        var fromStrings = JsonSerializer.Deserialize("""{"task_id":"7151234567890123456","batch_id":"12","status":"running","assigned_node":"n2"}""",
            RiverJsonContext.Default.TaskDto)!;
        var fromNumbers = JsonSerializer.Deserialize("""{"task_id":7151234567890123456,"batch_id":12,"status":"killed_oom"}""",
            RiverJsonContext.Default.TaskDto)!;

        Assert.Equal(BigId, fromStrings.TaskId);
        Assert.Equal(12L, fromStrings.BatchId);
        Assert.Equal(RiverTaskStatus.Running, fromStrings.Status);
        Assert.Equal("n2", fromStrings.NodeName);
        Assert.Equal(BigId, fromNumbers.TaskId);
        Assert.Equal(12L, fromNumbers.BatchId);
        Assert.Equal(RiverTaskStatus.KilledOom, fromNumbers.Status);
    }

    [Fact]
    public void A_task_round_trips_without_loss()
    {
        var t = new TaskDto
        {
            TaskId = BigId,
            Command = "python",
            Arguments = ["-c", "print(1)"],
            EnvVars = new() { ["A"] = "1" },
            Parameters = new() { ["lr"] = "0.1" },
            RequiredGpus = [0, 1],
            AdditionalMounts = ["/a:/b:ro"],
            Status = RiverTaskStatus.Completed,
            StartedAt = DateTimeOffset.FromUnixTimeSeconds(1000),
            CompletedAt = DateTimeOffset.FromUnixTimeSeconds(1010),
        };
        var back = JsonSerializer.Deserialize(JsonSerializer.Serialize(t, RiverJsonContext.Default.TaskDto), RiverJsonContext.Default.TaskDto)!;

        Assert.Equal(BigId, back.TaskId);
        Assert.Null(back.BatchId);
        Assert.Equal(["-c", "print(1)"], back.Arguments);
        Assert.Equal("1", back.EnvVars["A"]);
        Assert.Equal("0.1", back.Parameters["lr"]);
        Assert.Equal([0, 1], back.RequiredGpus!);
        Assert.Equal(["/a:/b:ro"], back.AdditionalMounts);
        Assert.Equal(RiverTaskStatus.Completed, back.Status);
        Assert.True(back.IsFinished);
        Assert.Equal(TimeSpan.FromSeconds(10), back.Duration);
    }

    [Fact]
    public void An_unknown_status_on_the_wire_is_a_json_error()
    {
        var e = Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize("""{"task_id":"1","status":"exploded"}""", RiverJsonContext.Default.TaskDto));
        Assert.Contains("unknown task status 'exploded'", e.Message);
    }

    [Fact]
    public void Clone_copies_the_collections()
    {
        var t = new TaskDto { Arguments = ["a"], EnvVars = new() { ["K"] = "V" }, RequiredGpus = [1], AdditionalMounts = ["/x:/y"], Parameters = new() { ["p"] = "1" } };
        var c = t.Clone();
        c.Arguments.Add("b");
        c.EnvVars["K2"] = "V2";
        c.RequiredGpus!.Add(2);
        c.AdditionalMounts.Add("/z:/w");
        c.Parameters["q"] = "2";

        Assert.Equal(["a"], t.Arguments);
        Assert.Single(t.EnvVars);
        Assert.Equal([1], t.RequiredGpus!);
        Assert.Equal(["/x:/y"], t.AdditionalMounts);
        Assert.Single(t.Parameters);
    }

    [Fact]
    public void A_submit_response_writes_the_batch_id_as_a_string_and_reads_both_forms()
    {
        var r = new SubmitResponse { Message = "ok", BatchId = BigId, TaskIds = [BigId.ToString()] };
        var json = ToJson(r, RiverJsonContext.Default.SubmitResponse);
        Assert.Equal("7151234567890123456", json["batch_id"]!.GetValue<string>());
        Assert.Equal("7151234567890123456", json["task_ids"]![0]!.GetValue<string>());
        Assert.NotNull(json["failed_targets"]);

        var fromNumber = JsonSerializer.Deserialize("""{"message":"m","batch_id":7151234567890123456,"task_ids":["1"]}""", RiverJsonContext.Default.SubmitResponse)!;
        var fromString = JsonSerializer.Deserialize("""{"message":"m","batch_id":"7151234567890123456","task_ids":["1"]}""", RiverJsonContext.Default.SubmitResponse)!;
        Assert.Equal(BigId, fromNumber.BatchId);
        Assert.Equal(BigId, fromString.BatchId);
    }

    [Fact]
    public void A_submit_request_uses_the_reference_field_names()
    {
        var r = new SubmitRequest
        {
            Command = "echo", RequiredCores = 1, RequiredGpus = [[0], [1, 2]], RequiredMemoryBytes = 1L << 30,
            Targets = ["a", "b"], ContainerName = "env", RegistryImage = "img", Privileged = true, AdditionalMounts = ["/a:/b"],
        };
        var json = ToJson(r, RiverJsonContext.Default.SubmitRequest);
        Assert.Equal(
            ["additional_mounts", "command", "container_name", "privileged", "registry_image", "required_cores", "required_gpus",
             "required_memory_bytes", "targets", "task_type"],
            json.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, json["required_gpus"]![1]!.AsArray().Count);
    }

    [Fact]
    public void A_node_travels_with_hostname_and_total_ram_bytes_and_a_lowercase_status()
    {
        var n = new RiverNode { NodeName = "n1", Url = "http://n1:8001", Status = NodeStatus.Offline, TotalCores = 4, TotalMemoryBytes = 8L << 30 };
        var json = ToJson(n, RiverJsonContext.Default.RiverNode);
        Assert.Equal("n1", json["hostname"]!.GetValue<string>());
        Assert.Null(json["node_name"]);
        Assert.Equal("offline", json["status"]!.GetValue<string>());
        Assert.Equal(8L << 30, json["total_ram_bytes"]!.GetValue<long>());
        Assert.Null(json["total_memory_bytes"]);
        Assert.Equal(4, json["total_cores"]!.GetValue<int>());

        var back = JsonSerializer.Deserialize("""{"hostname":"n9","status":"ONLINE","total_ram_bytes":5}""", RiverJsonContext.Default.RiverNode)!;
        Assert.Equal("n9", back.NodeName);
        Assert.Equal(NodeStatus.Online, back.Status);
        Assert.Equal(5L, back.TotalMemoryBytes);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"status":"sleeping"}""", RiverJsonContext.Default.RiverNode));
    }

    [Fact]
    public void Runner_messages_read_task_ids_from_strings_and_numbers()
    {
        var hb = JsonSerializer.Deserialize("""{"running_tasks":["7151234567890123456",5],"killed_tasks":[{"task_id":"9","reason":"oom"}],"cpu_percent":12.5}""",
            RiverJsonContext.Default.HeartbeatRequest)!;
        Assert.Equal([BigId, 5L], hb.RunningTasks);
        Assert.Equal(9L, hb.KilledTasks[0].TaskId);
        Assert.Equal("oom", hb.KilledTasks[0].Reason);
        Assert.Equal(12.5, hb.CpuPercent);

        var update = JsonSerializer.Deserialize("""{"task_id":"7151234567890123456","status":"completed","exit_code":0}""", RiverJsonContext.Default.TaskUpdateRequest)!;
        Assert.Equal(BigId, update.TaskId);
        Assert.Equal("completed", update.Status);
        Assert.Equal(0, update.ExitCode);

        var answer = JsonSerializer.Deserialize("""{"message":"ok","kill_tasks":["3",4]}""", RiverJsonContext.Default.HeartbeatResponse)!;
        Assert.Equal([3L, 4L], answer.KillTasks);
    }

    [Fact]
    public void A_wait_request_writes_its_ids_as_strings()
    {
        var json = ToJson(new WaitRequest { TaskIds = [BigId], Any = true, TimeoutSeconds = 2.5 }, RiverJsonContext.Default.WaitRequest);
        Assert.Equal("7151234567890123456", json["task_ids"]![0]!.GetValue<string>());
        Assert.True(json["any"]!.GetValue<bool>());
        Assert.Equal(2.5, json["timeout_seconds"]!.GetValue<double>());
    }

    [Fact]
    public void Cluster_health_keeps_the_reference_camel_case_names()
    {
        var json = ToJson(new ClusterHealth { TotalNodes = 2, PendingTasks = 3 }, RiverJsonContext.Default.ClusterHealth);
        Assert.Equal(2, json["totalNodes"]!.GetValue<int>());
        Assert.Equal(3, json["pendingTasks"]!.GetValue<int>());
        Assert.Null(json["total_nodes"]);
    }

    [Fact]
    public void The_error_body_is_detail()
    {
        var e = JsonSerializer.Deserialize("""{"detail":"task 5 not found"}""", RiverJsonContext.Default.ErrorResponse)!;
        Assert.Equal("task 5 not found", e.Detail);
    }
}
