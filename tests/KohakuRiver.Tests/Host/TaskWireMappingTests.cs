using System.Text.Json;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>The host's record and the wire task carry the same fields; only kind and key mode change form.</summary>
public sealed class TaskWireMappingTests
{
    private static TaskRecord Full() => new()
    {
        TaskId = 11, Kind = TaskKind.Vps, BatchId = 10, Name = "box", Command = "sshd", Arguments = ["-D"],
        EnvVars = new() { ["A"] = "1" }, Parameters = new() { ["p"] = "2" }, RequiredCores = 2, RequiredGpus = [0, 1],
        RequiredMemoryBytes = 1L << 30, PidsLimit = 64, TargetHostname = "n1", TargetNumaNodeId = 0,
        Status = RiverTaskStatus.Running, NodeName = "n1", Environment = "env", Image = "img:1", DockerImageName = "img:1",
        Privileged = true, AdditionalMounts = ["/a:/b"], SshPort = 2222, KeyMode = SshKeyMode.Generate, SshPublicKey = "ssh-ed25519 AAAA",
        StdoutPath = "/l/11.out", StderrPath = "/l/11.err", ExitCode = 3, ErrorMessage = "e",
        SubmittedAt = DateTimeOffset.UnixEpoch, StartedAt = DateTimeOffset.UnixEpoch.AddSeconds(1), CompletedAt = DateTimeOffset.UnixEpoch.AddSeconds(2),
    };

    [Fact]
    public void A_record_goes_to_the_wire_and_back_unchanged()
    {
        var wire = Full().ToWire();
        Assert.Equal(("vps", "generate"), (wire.TaskType, wire.SshKeyMode));
        var json = JsonSerializer.Serialize(wire, RiverJsonContext.Default.RiverTask);
        var again = JsonSerializer.Serialize(wire.ToRecord().ToWire(), RiverJsonContext.Default.RiverTask);
        Assert.Equal(json, again);
    }

    [Fact]
    public void A_command_has_no_key_mode_on_the_wire()
    {
        var wire = new TaskRecord { Kind = TaskKind.Command }.ToWire();
        Assert.Equal(("command", null), (wire.TaskType, wire.SshKeyMode));
    }

    [Theory]
    [InlineData("batch", null, "task_type 'batch'")]
    [InlineData("vps", "none", "ssh_key_mode 'none'")]
    public void A_document_with_an_unknown_kind_or_key_mode_is_an_error_not_a_guess(string type, string? mode, string named)
    {
        var e = Assert.Throws<InvalidDataException>(() => new RiverTask { TaskId = 5, TaskType = type, SshKeyMode = mode }.ToRecord());
        Assert.Contains(named, e.Message);
    }
}
