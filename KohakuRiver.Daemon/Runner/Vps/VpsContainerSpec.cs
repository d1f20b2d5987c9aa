using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Runner.Execution;

namespace KohakuRiver.Daemon.Runner.Vps;

/// <summary>
/// A VPS container: the task's limits and mounts, restart policy unless-stopped, and sshd in the foreground with
/// key-only authentication, its port 22 published on a random port of the address the host reaches this runner at.
/// The start script is a constant: nothing a user sends is ever part of a command line.
/// </summary>
public static class VpsContainerSpec
{
    public static readonly string[] SshdCandidates = ["/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd"];

    /// <summary>Same options on every start, so a restart can never weaken authentication.</summary>
    public const string SshdScript = """
        mkdir -p /run/sshd && chmod 0755 /run/sshd
        ssh-keygen -A >/dev/null 2>&1 || true
        for p in /usr/sbin/sshd /usr/bin/sshd /sbin/sshd; do
          if [ -x "$p" ]; then
            exec "$p" -D -e -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PermitRootLogin=prohibit-password -o PermitEmptyPasswords=no -o UsePAM=no -o AuthorizedKeysFile=.ssh/authorized_keys
          fi
        done
        echo "kohakuriver: this image has no sshd" >&2
        exit 127
        """;

    public const string KeepAliveScript = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

    public static string ContainerName(long taskId) => $"kohakuriver-vps-{taskId}";

    public static ContainerSpec Build(TaskDto task, DaemonSettings settings, string nodeName,
        IReadOnlyDictionary<string, NumaNodeInfo>? numa, string publishAddress, IReadOnlyList<MountSpec> mounts)
    {
        var spec = ContainerSpecBuilder.Build(task, settings, nodeName, numa, mounts);
        var ssh = task.KeyMode != SshKeyMode.Disabled;
        spec.Labels![ContainerLabels.Kind] = "vps";
        // The VPS's own process must be our script, whatever the image's ENTRYPOINT.
        spec.Entrypoint = ["/bin/sh", "-c"];
        spec.Cmd = [ssh ? SshdScript : KeepAliveScript];
        spec.WorkingDir = "/root";
        spec.HostConfig!.RestartPolicy = new RestartPolicySpec { Name = "unless-stopped" };
        if (ssh)
        {
            // sshd is reached through a published port, which a container without a network cannot have.
            if (spec.HostConfig.NetworkMode is "none") spec.HostConfig.NetworkMode = "bridge";
            spec.ExposedPorts = ["22/tcp"];
            spec.HostConfig.PortBindings = new Dictionary<string, List<PortBindingSpec>>
            {
                ["22/tcp"] = [new PortBindingSpec { HostIp = publishAddress, HostPort = "" }],
            };
        }
        return spec;
    }

    /// <summary>The host port Docker bound to the container's port 22, if any.</summary>
    public static int? PublishedSshPort(ContainerInfo? inspect) =>
        inspect?.PublishedPorts.TryGetValue("22/tcp", out var port) == true ? port : null;
}
