using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Vps;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Logs in to a VPS with the system ssh, through a loopback forwarder to the host's SSH proxy that lives as long as ssh
/// does (the API token never appears on a command line). Without -Command the session is interactive: ssh owns the
/// console until it exits, and nothing is written. With -Command, the command's stdout comes back as strings, one
/// per line (stderr goes to the console). Either way $LASTEXITCODE is ssh's exit code, as after any native command;
/// when the tunnel itself failed, the proxy's reason is reported as RiverSshTunnelFailed.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "RiverVps")]
[OutputType(typeof(string))]
public sealed class ConnectRiverVpsCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VpsTaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string User { get; set; } = "root";

    /// <summary>The private key (default: ~/.ssh/kohakuriver/vps-ID if New-RiverVps -GenerateKey saved one, else
    /// ssh's own defaults and agent).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    /// <summary>More ssh options, placed before ours (so an -o given here wins), e.g. '-L', '8888:localhost:8888'.</summary>
    [Parameter]
    public string[]? SshArgument { get; set; }

    /// <summary>Run this command instead of a login shell; its stdout is written as strings.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Command { get; set; }

    /// <summary>The host's SSH proxy port (default $env:KOHAKURIVER_SSH_PROXY_PORT, else what the host reports, else 8002).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int ProxyPort { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in TaskId)
        {
            VpsSshSessionOptions options;
            try
            {
                var ssh = SshCommandLine.FindSsh(ProcessVariable);
                var connection = Connection;
                var client = Client;
                var task = Await(ct => VpsLookup.GetAsync(client, id, ct));
                VpsLookup.EnsureSshReachable(task);
                var keys = VpsKeyFiles.KeyDirectory(ProcessVariable);
                options = new VpsSshSessionOptions
                {
                    SshPath = ssh,
                    Proxy = Await(ct => SshProxyAddress.ResolveAsync(client, connection.Uri,
                        MyInvocation.BoundParameters.ContainsKey(nameof(ProxyPort)) ? ProxyPort : null, ProcessVariable, ct)),
                    TaskId = id,
                    Token = connection.GetToken(),
                    User = User,
                    IdentityFile = IdentityFile is null ? VpsKeyFiles.ExistingIdentityFile(keys, id) : ResolveUserPath(IdentityFile),
                    KnownHostsFile = VpsKeyFiles.KnownHostsFile(keys),
                    SshArguments = SshArgument ?? [],
                    RemoteCommand = Command,
                };
            }
            catch (Exception e) when (e is RiverApiException or KeyNotFoundException or VpsNotReachableException or SshClientNotFoundException
                                          or FormatException or ArgumentException)
            {
                WriteRiverError(e, id, RiverObjectKind.Vps);
                continue;
            }

            VpsSshSessionResult? result = null;
            try
            {
                if (Command is null)
                {
                    result = Await(ct => VpsSshSession.RunAsync(options, null, ct));
                }
                else
                {
                    Pump(async (writer, ct) =>
                    {
                        result = await VpsSshSession.RunAsync(options, line => writer.PostAsync(() => WriteObject(line)), ct).ConfigureAwait(false);
                    });
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.ComponentModel.Win32Exception)
            {
                WriteRiverError(e, id, RiverObjectKind.Vps);
                continue;
            }
            // As after a native command, so scripts can test it.
            SessionState.PSVariable.Set("global:LASTEXITCODE", result!.ExitCode);
            if (result.Failure is { } tunnel) WriteRiverError(tunnel, id, RiverObjectKind.Vps);
            else WriteVerbose($"ssh exited with {result.ExitCode}");
        }
    }
}
