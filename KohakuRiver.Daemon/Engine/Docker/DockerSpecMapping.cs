using System.Globalization;
using Docker.DotNet.Models;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>Between our engine records and Docker.DotNet's models.</summary>
internal static class DockerSpecMapping
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public static CreateContainerParameters ToCreateParameters(ContainerSpec spec)
    {
        // Docker.DotNet leaves nulls out of the request, so whatever the spec leaves unset takes the engine's default.
        var parameters = new CreateContainerParameters
        {
            Image = spec.Image,
            Cmd = spec.Cmd!,
            Entrypoint = spec.Entrypoint!,
            Env = spec.Env!,
            WorkingDir = spec.WorkingDir ?? "",
            User = spec.User ?? "",
            Hostname = spec.Hostname ?? "",
            Labels = spec.Labels!,
            Tty = spec.Tty,
            OpenStdin = spec.OpenStdin,
            AttachStdin = spec.AttachStdin,
            AttachStdout = spec.AttachStdout,
            AttachStderr = spec.AttachStderr,
            ExposedPorts = spec.ExposedPorts?.ToDictionary(port => port, _ => default(EmptyStruct)),
        };
        if (spec.HostConfig is { } host)
        {
            parameters.HostConfig = new HostConfig
            {
                NanoCPUs = host.NanoCpus ?? 0,
                Memory = host.Memory ?? 0,
                MemorySwap = host.MemorySwap ?? 0,
                CpusetCpus = host.CpusetCpus ?? "",
                CpusetMems = host.CpusetMems ?? "",
                Binds = host.Binds!,
                Mounts = host.Mounts?.Select(mount => new Mount { Type = mount.Type, Source = mount.Source, Target = mount.Target, ReadOnly = mount.ReadOnly }).ToList(),
                NetworkMode = host.NetworkMode ?? "",
                Privileged = host.Privileged ?? false,
                AutoRemove = host.AutoRemove ?? false,
                PidsLimit = host.PidsLimit,
                RestartPolicy = host.RestartPolicy is { } restart
                    ? new RestartPolicy { Name = RestartKind(restart.Name), MaximumRetryCount = restart.MaximumRetryCount ?? 0 }
                    : null!,
                PortBindings = host.PortBindings?.ToDictionary(
                    binding => binding.Key,
                    binding => (IList<PortBinding>)binding.Value.Select(port => new PortBinding { HostIP = port.HostIp ?? "", HostPort = port.HostPort ?? "" }).ToList())!,
                DeviceRequests = host.DeviceRequests?.Select(device => new DeviceRequest
                {
                    Driver = device.Driver ?? "",
                    Count = device.Count ?? 0,
                    DeviceIDs = device.DeviceIDs!,
                    Capabilities = device.Capabilities?.Select(set => (IList<string>)set).ToList()!,
                    Options = device.Options!,
                }).ToList()!,
            };
        }
        return parameters;
    }

    private static RestartPolicyKind RestartKind(string? name) => name switch
    {
        "no" => RestartPolicyKind.No,
        "always" => RestartPolicyKind.Always,
        "on-failure" => RestartPolicyKind.OnFailure,
        "unless-stopped" => RestartPolicyKind.UnlessStopped,
        null or "" => RestartPolicyKind.Undefined,
        _ => throw new ArgumentException($"unknown restart policy '{name}'", nameof(name)),
    };

    public static ContainerInfo ToContainerInfo(ContainerInspectResponse inspect)
    {
        var state = inspect.State;
        var ports = new Dictionary<string, int>();
        if (inspect.NetworkSettings?.Ports is { } published)
        {
            foreach (var (port, bindings) in published)
            {
                if (bindings?.FirstOrDefault(b => !string.IsNullOrEmpty(b.HostPort)) is { } bound &&
                    int.TryParse(bound.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out var hostPort))
                    ports[port] = hostPort;
            }
        }
        var addresses = new Dictionary<string, string>();
        if (inspect.NetworkSettings?.Networks is { } networks)
        {
            foreach (var (network, endpoint) in networks)
                if (!string.IsNullOrEmpty(endpoint?.IPAddress)) addresses[network] = endpoint.IPAddress;
        }
        return new ContainerInfo(
            inspect.ID,
            inspect.Name.TrimStart('/'),
            new ContainerState(
                state?.Status ?? "",
                state?.Running ?? false,
                state?.Paused ?? false,
                state?.Restarting ?? false,
                state?.OOMKilled ?? false,
                (int)(state?.ExitCode ?? 0),
                ParseTime(state?.StartedAt),
                ParseTime(state?.FinishedAt)),
            inspect.Config?.Labels is { } labels ? new Dictionary<string, string>(labels) : NoLabels,
            inspect.HostConfig?.Memory ?? 0,
            ports,
            addresses);
    }

    public static ContainerListing ToListing(ContainerListResponse container) => new(
        container.ID,
        container.Names?.FirstOrDefault()?.TrimStart('/') ?? "",
        container.Image ?? "",
        container.State ?? "",
        container.Labels is { } labels ? new Dictionary<string, string>(labels) : NoLabels,
        new DateTimeOffset(DateTime.SpecifyKind(container.Created, DateTimeKind.Utc)));

    public static ImageInfo ToImageInfo(ImageInspectResponse image) => new(
        image.ID,
        image.RepoTags?.ToList() ?? [],
        image.Created is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
        image.Config?.Labels is { } labels ? new Dictionary<string, string>(labels) : NoLabels,
        image.Config?.Cmd?.ToList() ?? [],
        image.Size);

    public static ContainerEvent ToEvent(Message message) => new(
        message.Actor?.ID ?? "",
        message.Action ?? "",
        message.Actor?.Attributes is { } attributes ? new Dictionary<string, string>(attributes) : NoLabels,
        message.TimeNano is { } nanos ? DateTimeOffset.UnixEpoch.AddTicks(nanos / 100) : DateTimeOffset.FromUnixTimeSeconds(message.Time ?? 0));

    /// <summary>Docker's timestamps: RFC 3339 with nanoseconds, the zero time meaning "never".</summary>
    public static DateTimeOffset? ParseTime(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.StartsWith("0001-01-01", StringComparison.Ordinal))
            return null;
        // Nanosecond precision is two digits more than DateTimeOffset takes; parsing tolerates up to 7 fractional
        // digits, so cut the rest.
        var dot = value.IndexOf('.');
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < value.Length && char.IsAsciiDigit(value[end])) end++;
            if (end - dot - 1 > 7) value = string.Concat(value.AsSpan(0, dot + 8), value.AsSpan(end));
        }
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}
