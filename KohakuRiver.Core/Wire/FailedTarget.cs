namespace KohakuRiver.Core.Wire;

public sealed class FailedTarget
{
    public string Target { get; set; } = "";
    public string Reason { get; set; } = "";
}
