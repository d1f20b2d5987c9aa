namespace KohakuRiver.Core.Ssh;

/// <summary>How a relay ended: the bytes each way, and what broke it if it did not end in order.</summary>
/// <param name="Failure">Null when both directions ended with an orderly end of stream; otherwise which direction
/// failed first and why (a reset is the normal way for some peers to leave).</param>
public sealed record RelayOutcome(long BytesAToB, long BytesBToA, string? Failure)
{
    public bool Clean => Failure is null;
}
