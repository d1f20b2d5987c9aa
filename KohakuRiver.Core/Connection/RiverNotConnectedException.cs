namespace KohakuRiver.Core.Connection;

/// <summary>No cluster could be found from the parameter, the session, the environment or the config file.</summary>
public sealed class RiverNotConnectedException(string message) : Exception(message);
