using System.Text.Json;
using KohakuRiver.Daemon.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

// The request bodies' exact shape matters to the engine: a null sent explicitly is not the same as a
// field left out (e.g. "Entrypoint": null vs absent), and the port maps want "{}" values.
public sealed class DockerJsonContextTests
{
    [Fact]
    public void Create_spec_leaves_unset_fields_out_and_uses_docker_names()
    {
        var spec = new ContainerCreateSpec
        {
            Image = "img",
            Cmd = ["sh"],
            ExposedPorts = new() { ["22/tcp"] = new object() },
            HostConfig = new HostConfigSpec
            {
                Memory = 16 << 20,
                DeviceRequests = [new DeviceRequestSpec { Driver = "nvidia", DeviceIDs = ["0"], Capabilities = [["gpu"]] }],
                PortBindings = new() { ["22/tcp"] = [new PortBindingSpec { HostPort = "2222" }] },
            },
        };

        string json = JsonSerializer.Serialize(spec, DockerJsonContext.Default.ContainerCreateSpec);

        Assert.DoesNotContain("null", json);
        Assert.DoesNotContain("Entrypoint", json);
        Assert.Contains("\"ExposedPorts\":{\"22/tcp\":{}}", json);
        Assert.Contains("\"Memory\":16777216", json);
        Assert.Contains("\"DeviceRequests\":[{\"Driver\":\"nvidia\",\"DeviceIDs\":[\"0\"],\"Capabilities\":[[\"gpu\"]]}]", json);
        Assert.Contains("\"PortBindings\":{\"22/tcp\":[{\"HostPort\":\"2222\"}]}", json);
    }

    [Fact]
    public void Inspect_reads_docker_names_and_zero_times_as_unset()
    {
        const string json = """
            {"Id":"abc","Name":"/n","State":{"Status":"created","Running":false,"OOMKilled":true,"Pid":0,"ExitCode":0,
             "StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"2026-11-24T08:06:10.123456789Z"},
             "Config":{"Tty":true,"Labels":{"a":"b"}},
             "NetworkSettings":{"IPAddress":"","Ports":{"22/tcp":null,"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}}}
            """;

        var inspect = JsonSerializer.Deserialize(json, DockerJsonContext.Default.ContainerInspect)!;

        Assert.True(inspect.State!.OOMKilled);
        Assert.Null(inspect.State.StartedAtTime);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 6, 10, TimeSpan.Zero).AddTicks(1234567), inspect.State.FinishedAtTime);
        Assert.True(inspect.Config!.Tty);
        Assert.Null(inspect.NetworkSettings!.Ports!["22/tcp"]);
        Assert.Equal("8080", inspect.NetworkSettings.Ports["80/tcp"]![0].HostPort);
    }

    [Fact]
    public void Exec_inspect_reads_the_upper_case_ID()
    {
        var exec = JsonSerializer.Deserialize("""{"ID":"e1","ContainerID":"c1","Running":false,"ExitCode":4,"Pid":12}""",
            DockerJsonContext.Default.ExecInspect)!;

        Assert.Equal("e1", exec.Id);
        Assert.Equal("c1", exec.ContainerId);
        Assert.Equal(4, exec.ExitCode);
    }

    [Fact]
    public void An_engine_event_line_reads_its_action_actor_and_time()
    {
        const string line = """
            {"status":"oom","id":"abc","from":"busybox","Type":"container","Action":"oom","Actor":{"ID":"abc","Attributes":{"image":"busybox","name":"x"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}
            """;
        var e = JsonSerializer.Deserialize(line, DockerJsonContext.Default.DockerEvent)!;
        Assert.Equal("container", e.Type);
        Assert.Equal("oom", e.Action);
        Assert.Equal("abc", e.Actor!.ID);
        Assert.Equal("x", e.Actor.Attributes!["name"]);
        Assert.Equal(1700000000123456789, e.TimeNano);
    }
}
