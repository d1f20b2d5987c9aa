using System.Management.Automation;
using System.Net;
using System.Security;
using KohakuRiver.Core.Connection;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Makes a cluster the session's default (checking it answers, unless -SkipCheck). -Save also writes it to the
/// per-user config file, so later sessions and scheduled jobs find it with no interactive step.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "RiverCluster")]
[OutputType(typeof(RiverClusterConnection))]
public sealed class ConnectRiverClusterCommand : RiverCmdlet
{
    /// <summary>The host: <c>gpu-head</c>, <c>gpu-head:8000</c> or <c>http://gpu-head:8000</c>.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [Alias("Url")]
    public string Uri { get; set; } = "";

    /// <summary>
    /// The API token, as a SecureString (<c>Read-Host -AsSecureString</c>, or <c>ConvertTo-SecureString $t -AsPlainText
    /// -Force</c>); a plain string is refused. Defaults to $env:KOHAKURIVER_TOKEN, then the config file's token for the
    /// same host. It is turned into text only to build the connection, and never written to any stream.
    /// </summary>
    [Parameter(Position = 1)]
    [ValidateNotNull]
    [SecureStringOnly]
    public SecureString? Token { get; set; }

    /// <summary>Also write the connection to the per-user config file.</summary>
    [Parameter]
    public SwitchParameter Save { get; set; }

    /// <summary>Do not call the host to check the address and the token.</summary>
    [Parameter]
    public SwitchParameter SkipCheck { get; set; }

    protected override void ProcessRecord()
    {
        var file = RiverSession.ConfigFile;
        RiverClusterConnection connection;
        try
        {
            connection = ConnectionResolver.ForHost(Uri, PlainToken(), Environment.GetEnvironmentVariable, file);
        }
        catch (Exception e) when (e is FormatException or RiverNotConnectedException or ClientConfigException)
        {
            ThrowRiverError(e, Uri, Core.Errors.RiverObjectKind.Cluster);
            return;
        }

        if (!SkipCheck)
        {
            var client = RiverSession.ClientFor(connection);
            try
            {
                var health = Await(ct => client.GetHealthAsync(ct));
                WriteVerbose($"{connection.Uri} answers: {health.OnlineNodes} of {health.TotalNodes} node(s) online");
            }
            catch (Core.Client.RiverApiException e)
            {
                ThrowRiverError(e, connection.Uri, Core.Errors.RiverObjectKind.Cluster);
            }
        }

        string? savedTo = null;
        if (Save)
        {
            try
            {
                file.Save(new ClientConfig { Host = connection.Uri.ToString(), Token = connection.GetToken() });
                savedTo = file.Path;
                WriteVerbose($"saved the connection to {file.Path}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteRiverError(new ClientConfigException($"cannot write {file.Path}: {e.Message}", e), file.Path, Core.Errors.RiverObjectKind.Cluster);
            }
        }

        var current = connection.WithSource(RiverConnectionSource.Session, savedTo);
        RiverSession.Default = current;
        WriteObject(current);
    }

    /// <summary>The token's text, at the last moment: Core's connection keeps the token as the HTTP header needs it.</summary>
    private string? PlainToken() => Token is null || Token.Length == 0 ? null : new NetworkCredential(string.Empty, Token).Password;
}
