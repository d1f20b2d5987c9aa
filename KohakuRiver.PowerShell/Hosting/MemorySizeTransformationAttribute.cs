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
