using System.Net;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>Where a forward goes: the container's own address on its network.</summary>
/// <param name="What">How messages name the target ("task 5").</param>
public sealed record ForwardTarget(long TaskId, string Container, IPAddress Address, string What);
