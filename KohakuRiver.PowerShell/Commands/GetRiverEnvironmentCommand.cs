using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Environments, all or by name (wildcards allowed): one object per environment with its host container (if any) and
/// its published versions (if any). A task or VPS piped in shows the environment it runs in.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RiverEnvironment")]
[OutputType(typeof(RiverEnvironment))]
public sealed class GetRiverEnvironmentCommand : RiverClientCmdlet
{
    private IReadOnlyList<RiverEnvironment>? _all;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string[]? Environment { get; set; }

    protected override void ProcessRecord()
    {
        // A task piped in that runs an image rather than an environment has none to show.
        if (MyInvocation.ExpectingInput && (Environment is null || Environment.All(string.IsNullOrWhiteSpace))) return;
        var client = Client;
        try
        {
            // One listing serves every piped item.
            _all ??= Await(ct => EnvironmentView.ListAsync(client, ct));
        }
        catch (RiverApiException e)
        {
            WriteRiverError(e, client.BaseUri, RiverObjectKind.Environment);
            return;
        }
        var (found, missing) = EnvironmentView.Select(_all, Environment);
        foreach (var env in found) WriteObject(env);
        foreach (var name in missing)
            WriteRiverError(EnvironmentView.NotFound(name), name, RiverObjectKind.Environment);
    }
}
