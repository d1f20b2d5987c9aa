using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

public sealed class VpsCreateResponse
{
    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public Models.RiverTaskStatus Status { get; set; }
    public int? SshPort { get; set; }
    public AssignedNode? AssignedNode { get; set; }
    /// <summary>Only with ssh_key_mode generate, only in this answer: the host does not keep it.</summary>
    public string? SshPrivateKey { get; set; }
    public string? SshPublicKey { get; set; }
    public string Message { get; set; } = "";
    /// <summary>Set on a 422 (the VPS was made but failed to come up): the error's text, as in every error body.</summary>
    public string? Detail { get; set; }
}
