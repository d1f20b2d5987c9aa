using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Start and Stop of environments' host containers, one host call per environment, each confirmed through
/// ShouldProcess. -PassThru writes each environment as it is afterwards.</summary>
public abstract class EnvironmentControlCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string[] Environment { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract string Action { get; }

    protected abstract Task<MessageResponse> ApplyAsync(RiverClient client, string environment, CancellationToken ct);

    protected override void ProcessRecord()
    {
        foreach (var name in Environment)
        {
            if (!ShouldProcess($"environment {name}", Action)) continue;
            var client = Client;
            try
            {
                WriteVerbose(Await(ct => ApplyAsync(client, name, ct)).Message);
                if (PassThru) WriteObject(Await(ct => EnvironmentView.GetAsync(client, name, ct)));
            }
            catch (Exception e) when (e is RiverApiException or KeyNotFoundException)
            {
                WriteRiverError(e, name, RiverObjectKind.Environment);
            }
        }
    }
}
