namespace KohakuRiver.Core.Wire;

public sealed class NumaNodeInfo
{
    public List<int> Cores { get; set; } = [];
    public long MemoryBytes { get; set; }
}
