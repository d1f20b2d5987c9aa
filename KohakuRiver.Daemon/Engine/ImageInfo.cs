namespace KohakuRiver.Daemon.Engine;

/// <summary>What an inspect of an image tells the product.</summary>
/// <param name="Id">"sha256:…".</param>
/// <param name="Cmd">The image's default command; empty when it has none.</param>
public sealed record ImageInfo(string Id, IReadOnlyList<string> RepoTags, DateTimeOffset? Created, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> Cmd, long SizeBytes);
