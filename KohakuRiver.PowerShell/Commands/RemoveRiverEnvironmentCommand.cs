using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Removes an environment's host container; with -Published also every published version; with -Timestamp only that
/// published version (the container and the other versions stay). -PassThru writes what is left of the environment.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "RiverEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RiverEnvironment))]
public sealed class RemoveRiverEnvironmentCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string[] Environment { get; set; } = [];

    /// <summary>Also remove every published version (the tarballs nodes load).</summary>
    [Parameter]
    public SwitchParameter Published { get; set; }

    /// <summary>Remove only this published version (unix seconds, as in PublishedVersions.Timestamp).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long Timestamp { get; set; }

    /// <summary>Write the environment as it is afterwards, if anything of it is left.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        long? timestamp = MyInvocation.BoundParameters.ContainsKey(nameof(Timestamp)) ? Timestamp : null;
        foreach (var name in Environment)
        {
            EnvironmentRemoval plan;
            try
            {
                plan = EnvironmentRemoval.Plan(name, Published, timestamp);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                WriteRiverError(e, name, RiverObjectKind.Environment);
                continue;
            }
            if (!ShouldProcess($"environment {name}", plan.Action)) continue;
            var client = Client;
            try
            {
                foreach (var line in Await(ct => plan.ExecuteAsync(client, ct))) WriteVerbose(line);
                if (!PassThru) continue;
                var (left, _) = EnvironmentView.Select(Await(ct => EnvironmentView.ListAsync(client, ct)), [name]);
                foreach (var env in left) WriteObject(env);
            }
            catch (Exception e) when (e is RiverApiException or KeyNotFoundException)
            {
                WriteRiverError(e, name, RiverObjectKind.Environment);
            }
        }
    }
}
