namespace KohakuRiver.Core.Wire;

public sealed class AssignedNode
{
    public string Hostname { get; set; } = "";
    public string Url { get; set; } = "";
}
