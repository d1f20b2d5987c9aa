namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>The task's container name is held by a container this runner does not own.</summary>
public sealed class ContainerNameTakenException(string message) : Exception(message);
