using System.Management.Automation;
using KohakuRiver.Core.Parsing;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>Lets <c>-Memory</c> take PowerShell's <c>8GB</c> (a number of bytes) or a string such as <c>'8G'</c>.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MemorySizeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return ArgumentConversion.ToByteSize(inputData, RiverSession.Unwrap);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}

/// <summary>Lets <c>-Status</c> take wire names (<c>killed_oom</c>) as well as enum names (<c>KilledOom</c>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TaskStatusTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return ArgumentConversion.ToTaskStatuses(inputData, RiverSession.Unwrap);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}

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
