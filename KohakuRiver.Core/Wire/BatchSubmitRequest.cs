namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/batches: many task specifications accepted together as one batch, all or nothing.</summary>
public sealed class BatchSubmitRequest
{
    public List<SubmitRequest> Tasks { get; set; } = [];
}
