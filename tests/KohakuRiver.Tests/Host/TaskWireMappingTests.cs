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
        EnvVars = new Dictionary<string, string> { ["A"] = "1" }, Parameters = new Dictionary<string, string> { ["p"] = "2" }, RequiredCores = 2, RequiredGpus = [0, 1],
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
        var json = JsonSerializer.Serialize(wire, RiverJsonContext.Default.TaskDto);
        var again = JsonSerializer.Serialize(wire.ToRecord().ToWire(), RiverJsonContext.Default.TaskDto);
        Assert.Equal(json, again);
    }

    [Fact]
    public void A_task_accepted_by_the_host_names_its_output_files_after_itself_in_the_logs_folder()
    {
        var accepted = new TaskRecord { TaskId = 7205759403792793601, LogsFolder = Path.Combine("/srv", "logs") };
        var wire = accepted.ToWire();
        Assert.Equal(("/srv/logs/7205759403792793601.out", "/srv/logs/7205759403792793601.err"), (wire.StdoutPath, wire.StderrPath));
        // A stored task keeps the paths it was stored with, wherever the logs folder is now.
        var stored = wire.ToRecord();
        stored.LogsFolder = "/elsewhere";
        Assert.Equal("/srv/logs/7205759403792793601.out", stored.StdoutPath);
        Assert.Null(new TaskRecord { TaskId = 1 }.StdoutPath);
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
        var e = Assert.Throws<InvalidDataException>(() => new TaskDto { TaskId = 5, TaskType = type, SshKeyMode = mode }.ToRecord());
        Assert.Contains(named, e.Message);
    }
}
