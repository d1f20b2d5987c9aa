using System.Globalization;

namespace KohakuRiver.Core.Environments;

/// <summary>
/// How an environment named <c>name</c> appears everywhere: the host's container <c>kohakuriver-env-name</c>, the image
/// <c>kohakuriver/name:base</c>, and published tarballs <c>name-&lt;unix seconds&gt;.tar</c> in the shared
/// <c>kohakuriver-containers/</c> folder.
/// </summary>
public static class EnvironmentNames
{
    public const string TarballFolder = "kohakuriver-containers";
    public const string PublishedAtLabel = "kohakuriver.published_at";
    public const string EnvironmentLabel = "kohakuriver.environment";

    public static string ContainerName(string env) => "kohakuriver-env-" + env;
    public static string ImageRepository(string env) => "kohakuriver/" + env;
    public static string ImageName(string env) => ImageRepository(env) + ":base";
    public static string TarballName(string env, long unixSeconds) => $"{env}-{unixSeconds.ToString(CultureInfo.InvariantCulture)}.tar";

    /// <summary>Lowercase letters and digits joined by '.', '_', '__' or dashes (a valid image repository component, so
    /// that <c>kohakuriver/name:base</c> is a valid image name); at most 64 characters.</summary>
    public static bool IsValid(string? name) => name is { Length: <= 64 } && Parsing.ImageReference.IsPathComponent(name);

    public static string Validate(string? name) => IsValid(name)
        ? name!
        : throw new FormatException($"'{name}' is not a valid environment name: use lowercase letters and digits joined by '.', '_' or '-', starting and ending with a letter or digit, at most 64 characters");

    /// <summary>Parses <c>name-1700000000.tar</c>; the name itself may contain '-'.</summary>
    public static bool TryParseTarball(string fileName, out string env, out long unixSeconds)
    {
        env = "";
        unixSeconds = 0;
        if (!fileName.EndsWith(".tar", StringComparison.Ordinal)) return false;
        var stem = fileName[..^4];
        var dash = stem.LastIndexOf('-');
        if (dash <= 0) return false;
        if (!long.TryParse(stem[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds)) return false;
        env = stem[..dash];
        return IsValid(env);
    }
}
