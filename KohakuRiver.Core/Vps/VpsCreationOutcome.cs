namespace KohakuRiver.Core.Vps;

/// <summary>What became of a New-RiverVps: the VPS, the host's message, and, if a generated key could not be moved
/// to its final name, why (the key is then at the VPS's IdentityFile all the same).</summary>
public sealed record VpsCreationOutcome(RiverVps Vps, string Message, IOException? KeyNotRenamed);
