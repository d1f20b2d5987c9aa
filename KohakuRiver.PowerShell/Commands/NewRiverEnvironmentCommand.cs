using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Creates an environment's container on the host from an image already there (no registry is used), ready for
/// Invoke-RiverEnvironmentCommand and then Publish-RiverEnvironment. Writes the environment.
/// </summary>
[Cmdlet(VerbsCommon.New, "RiverEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RiverEnvironment))]
public sealed class NewRiverEnvironmentCommand : RiverClientCmdlet
{
    /// <summary>The new environment's name: lowercase letters, digits, '.', '_' and '-'.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string Environment { get; set; } = "";

    /// <summary>A local image on the host, e.g. python:3.12-slim.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = "";

    protected override void ProcessRecord()
    {
        try
        {
            // Checked before ShouldProcess, so that -WhatIf says a bad name is bad.
            EnvironmentNames.Validate(Environment);
        }
        catch (FormatException e)
        {
            WriteRiverError(e, Environment, RiverObjectKind.Environment);
            return;
        }
        if (!ShouldProcess($"environment {Environment}", $"Create the host container from image {Image}")) return;
        var client = Client;
        try
        {
            WriteObject(Await(ct => EnvironmentView.CreateAsync(client, Environment, Image, ct)));
        }
        catch (Exception e) when (e is RiverApiException or ArgumentException)
        {
            WriteRiverError(e, Environment, RiverObjectKind.Environment);
        }
    }
}
