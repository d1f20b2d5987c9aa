using Docker.DotNet.Models;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using ContainerSpec = KohakuRiver.Daemon.Engine.ContainerSpec;
using Xunit;

namespace KohakuRiver.Tests.Docker;

// What our records become in Docker.DotNet's models and back: fields left unset stay unset (so the engine's defaults
// apply), Docker's zero time reads as "never", and unpublished ports are absent.
public sealed class DockerSpecMappingTests
{
    [Fact]
    public void Create_spec_leaves_unset_fields_unset_and_carries_ports_devices_and_limits()
    {
        var spec = new ContainerSpec
        {
            Image = "img",
            Cmd = ["sh"],
            ExposedPorts = ["22/tcp"],
            HostConfig = new HostConfigSpec
            {
                Memory = 16 << 20,
                RestartPolicy = new RestartPolicySpec { Name = "unless-stopped" },
                DeviceRequests = [new DeviceRequestSpec { Driver = "nvidia", DeviceIDs = ["0"], Capabilities = [["gpu"]] }],
                PortBindings = new() { ["22/tcp"] = [new PortBindingSpec { HostIp = "127.0.0.1", HostPort = "2222" }] },
                Mounts = [new MountPointSpec { Source = "/data", Target = "/d", ReadOnly = true }],
            },
        };

        var parameters = DockerSpecMapping.ToCreateParameters(spec);

        Assert.Null(parameters.Entrypoint);
        Assert.Null(parameters.Env);
        Assert.Null(parameters.Labels);
        Assert.Equal(["22/tcp"], parameters.ExposedPorts!.Keys);
        Assert.Equal(16L << 20, parameters.HostConfig!.Memory);
        Assert.Null(parameters.HostConfig.PidsLimit);
        Assert.Null(parameters.HostConfig.Binds);
        Assert.Equal(RestartPolicyKind.UnlessStopped, parameters.HostConfig.RestartPolicy.Name);
        var device = Assert.Single(parameters.HostConfig.DeviceRequests);
        Assert.Equal(("nvidia", "0", "gpu"), (device.Driver, Assert.Single(device.DeviceIDs), Assert.Single(Assert.Single(device.Capabilities))));
        var binding = Assert.Single(parameters.HostConfig.PortBindings["22/tcp"]);
        Assert.Equal(("127.0.0.1", "2222"), (binding.HostIP, binding.HostPort));
        var mount = Assert.Single(parameters.HostConfig.Mounts!);
        Assert.Equal(("bind", "/data", "/d", (bool?)true), (mount.Type, mount.Source, mount.Target, mount.ReadOnly));
    }

    [Fact]
    public void An_unknown_restart_policy_is_refused_rather_than_sent_as_none()
    {
        var spec = new ContainerSpec { Image = "img", HostConfig = new HostConfigSpec { RestartPolicy = new RestartPolicySpec { Name = "sometimes" } } };

        Assert.Throws<ArgumentException>(() => { DockerSpecMapping.ToCreateParameters(spec); });
    }

    [Fact]
    public void Inspect_reads_zero_times_as_unset_and_only_published_ports()
    {
        var inspect = new ContainerInspectResponse
        {
            ID = "abc",
            Name = "/n",
            State = new State { Status = "created", OOMKilled = true, StartedAt = "0001-01-01T00:00:00Z", FinishedAt = "2026-11-24T08:06:10.123456789Z" },
            Config = new ContainerConfig { Labels = new Dictionary<string, string> { ["a"] = "b" } },
            NetworkSettings = new NetworkSettings
            {
                Ports = new Dictionary<string, IList<PortBinding>>
                {
                    ["22/tcp"] = null!,
                    ["80/tcp"] = [new PortBinding { HostIP = "0.0.0.0", HostPort = "8080" }],
                },
            },
        };

        var info = DockerSpecMapping.ToContainerInfo(inspect);

        Assert.Equal("n", info.Name);
        Assert.True(info.State.OomKilled);
        Assert.Null(info.State.StartedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 6, 10, TimeSpan.Zero).AddTicks(1234567), info.State.FinishedAt);
        Assert.Equal("b", info.Labels["a"]);
        Assert.Equal(0, info.MemoryLimitBytes);
        Assert.Equal(new Dictionary<string, int> { ["80/tcp"] = 8080 }, info.PublishedPorts);
    }

    [Fact]
    public void An_engine_event_reads_its_action_actor_and_time()
    {
        var message = new Message
        {
            Type = "container",
            Action = "kill",
            Actor = new Actor { ID = "c1", Attributes = new Dictionary<string, string> { ["signal"] = "9" } },
            TimeNano = 1_764_000_000_123_456_789,
        };

        var seen = DockerSpecMapping.ToEvent(message);

        Assert.Equal(("c1", "kill", "9"), (seen.ContainerId, seen.Action, seen.Attributes["signal"]));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123).AddTicks(4567), seen.Time);
    }
}
