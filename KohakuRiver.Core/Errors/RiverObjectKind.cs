namespace KohakuRiver.Core.Errors;

/// <summary>What a failure is about, so that "not found" can say what was not found.</summary>
public enum RiverObjectKind
{
    Task,
    Node,
    Batch,
    Environment,
    Cluster,
    Vps,
}
