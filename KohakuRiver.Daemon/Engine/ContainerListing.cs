namespace KohakuRiver.Daemon.Engine;

/// <summary>One container as a listing shows it.</summary>
/// <param name="Name">Without Docker's leading "/".</param>
/// <param name="State">"created", "running", "paused", "exited", …</param>
public sealed record ContainerListing(string Id, string Name, string Image, string State, IReadOnlyDictionary<string, string> Labels, DateTimeOffset Created);
