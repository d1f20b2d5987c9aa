using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Publishes environments: commits each host container to kohakuriver/NAME:base and saves it as a new versioned
/// tarball in the shared folder, where nodes load it for the next task. The host keeps a few versions and prunes older
/// ones (listed in the result's Pruned). Writes one result per environment.
/// </summary>
[Cmdlet(VerbsData.Publish, "RiverEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PublishResult))]
public sealed class PublishRiverEnvironmentCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string[] Environment { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var name in Environment)
        {
            if (!ShouldProcess($"environment {name}", "Publish the host container as a new version")) continue;
            var client = Client;
            try
            {
                var result = Await(ct => client.PublishEnvironmentAsync(name, ct));
                if (result.Pruned.Count > 0) WriteVerbose($"{name}: pruned {string.Join(", ", result.Pruned)}");
                WriteObject(result);
            }
            catch (RiverApiException e)
            {
                WriteRiverError(e, name, RiverObjectKind.Environment);
            }
        }
    }
}
