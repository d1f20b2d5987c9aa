namespace KohakuRiver.Core.Forwarding;

/// <summary>The runner could not reach the port in the container (its ERROR frame's reason), or the connection was cut
/// before it was made.</summary>
public sealed class ForwardRefusedException(string message) : Exception(message);
