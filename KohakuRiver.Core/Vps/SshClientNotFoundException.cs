namespace KohakuRiver.Core.Vps;

/// <summary>No <c>ssh</c> program on PATH, so Connect-RiverVps cannot start one.</summary>
public sealed class SshClientNotFoundException(string message) : Exception(message);
