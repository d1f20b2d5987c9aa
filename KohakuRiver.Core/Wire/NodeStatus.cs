namespace KohakuRiver.Core.Wire;

public enum NodeStatus
{
    Online,
    Offline,
}
