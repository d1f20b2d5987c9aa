using System.Management.Automation;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>
/// Lets a secret parameter take a SecureString only, and refuses a plain string with a message that says how to make
/// one, without repeating the value (PowerShell's own conversion error would quote it).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecureStringOnlyAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => RiverSession.Unwrap(inputData) switch
    {
        System.Security.SecureString secure => secure,
        string => throw new ArgumentTransformationMetadataException(
            "a plain string is not accepted here: pass a SecureString, e.g. (Read-Host -AsSecureString) or " +
            "(ConvertTo-SecureString $token -AsPlainText -Force), or leave it out to use $env:KOHAKURIVER_TOKEN or the saved config file"),
        var other => other,
    };
}
