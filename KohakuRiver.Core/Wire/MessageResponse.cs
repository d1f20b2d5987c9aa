namespace KohakuRiver.Core.Wire;

public sealed class MessageResponse
{
    public string Message { get; set; } = "";
}
