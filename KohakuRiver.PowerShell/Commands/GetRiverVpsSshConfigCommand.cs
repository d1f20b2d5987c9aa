using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Vps;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// An ssh_config Host block for a VPS, so that <c>Get-RiverVpsSshConfig 123 | Add-Content ~/.ssh/config</c> makes
/// <c>ssh river-vps-123</c>, scp, rsync and editors' remote modes work without this module. Its ProxyCommand (bash)
/// reads the API token from an owner-only file this writes (~/.config/kohakuriver/tokens/HOST-PORT), so the token is
/// not in the config. Writes the block as one string.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RiverVpsSshConfig")]
[OutputType(typeof(string))]
public sealed class GetRiverVpsSshConfigCommand : RiverClientCmdlet
{
    private int _seen;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VpsTaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    /// <summary>The Host name (default river-vps-ID); for one VPS only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Alias { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string User { get; set; } = "root";

    /// <summary>The private key (default: ~/.ssh/kohakuriver/vps-ID if New-RiverVps -GenerateKey saved one).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    /// <summary>The host's SSH proxy port (default $env:KOHAKURIVER_SSH_PROXY_PORT, else what the host reports, else 8002).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int ProxyPort { get; set; }

    /// <summary>Write a ProxyCommand that hands the proxied socket to ssh (needs python3 3.9+ where ssh runs): no
    /// process copies the session's bytes, so bulk scp and rsync run faster than through the bash relay.</summary>
    [Parameter]
    public SwitchParameter UseFdPassing { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in TaskId)
        {
            try
            {
                if (Alias is not null && ++_seen > 1)
                    throw new ArgumentException($"-Alias names one VPS; VPS {id} would get the same Host name");
                var connection = Connection;
                var client = Client;
                // Only a VPS gets an entry: an unknown id or another kind of task is reported here, not at ssh time.
                Await(ct => VpsLookup.GetAsync(client, id, ct));
                var proxy = Await(ct => SshProxyAddress.ResolveAsync(client, connection.Uri,
                    MyInvocation.BoundParameters.ContainsKey(nameof(ProxyPort)) ? ProxyPort : null, ProcessVariable, ct));
                WriteObject(VpsSshConfig.Prepare(new VpsSshConfigRequest
                {
                    TaskId = id,
                    Alias = Alias,
                    User = User,
                    IdentityFile = IdentityFile is null ? null : ResolveUserPath(IdentityFile),
                    ApiUri = connection.Uri,
                    Token = connection.GetToken(),
                    ProxyPort = proxy.Port,
                    FdPassing = UseFdPassing.IsPresent,
                }, ProcessVariable));
            }
            catch (Exception e) when (e is RiverApiException or KeyNotFoundException or FormatException or ArgumentException or IOException
                                          or UnauthorizedAccessException)
            {
                WriteRiverError(e, id, RiverObjectKind.Vps);
            }
        }
    }
}
