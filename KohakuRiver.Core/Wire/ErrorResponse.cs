namespace KohakuRiver.Core.Wire;

/// <summary>The error body of every failed host or runner call.</summary>
public sealed class ErrorResponse
{
    public string Detail { get; set; } = "";
}
