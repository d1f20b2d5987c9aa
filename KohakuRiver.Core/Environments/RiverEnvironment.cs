using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Environments;

/// <summary>
/// One environment as <c>Get-RiverEnvironment</c> shows it: its container on the host, if it has one, and its
/// published versions, if any. The name is <see cref="Environment"/> (not Name), so the object pipes by property name
/// into <c>-Environment</c> of Submit-RiverTask, New-RiverVps and the environment cmdlets, and nowhere else.
/// </summary>
public sealed class RiverEnvironment
{
    public string Environment { get; init; } = "";

    /// <summary>The host container (<c>kohakuriver-env-NAME</c>); null when the environment has none.</summary>
    public string? ContainerName { get; init; }

    /// <summary>Docker's state of the host container (running, exited, paused…); null without a container.</summary>
    public string? Status { get; init; }

    /// <summary>The image the host container was created from; null without a container.</summary>
    public string? Image { get; init; }

    /// <summary>When the host container was created.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>When the newest version was published; null when nothing is published.</summary>
    public DateTimeOffset? LatestTimestamp { get; init; }

    /// <summary>The newest version's tarball (file name in the shared folder).</summary>
    public string? LatestTarball { get; init; }

    /// <summary>How many versions are published.</summary>
    public int Versions { get; init; }

    /// <summary>Size of the newest version's tarball (what a node loads); 0 when nothing is published.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Every published version, newest first (their Timestamp is what Remove-RiverEnvironment -Timestamp takes).</summary>
    public IReadOnlyList<EnvironmentVersion> PublishedVersions { get; init; } = [];

    public bool HasContainer => ContainerName is not null;

    public bool IsPublished => Versions > 0;

    public override string ToString() => Environment;
}
