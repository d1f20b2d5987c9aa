namespace KohakuRiver.Core.Wire;

/// <summary>GET /api/docker/list: the published versions of one environment (reference shape).</summary>
public sealed class EnvironmentTarballs
{
    public long LatestTimestamp { get; set; }
    public string LatestTarball { get; set; } = "";
    public List<EnvironmentVersion> AllVersions { get; set; } = [];
}
