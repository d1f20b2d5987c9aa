using System.Management.Automation;
using KohakuRiver.Core.Parsing;

namespace KohakuRiver.PowerShell.Hosting;

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
