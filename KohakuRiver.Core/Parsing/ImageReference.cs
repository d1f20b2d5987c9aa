using System.Text.RegularExpressions;

namespace KohakuRiver.Core.Parsing;

/// <summary>
/// Docker's image reference grammar (distribution/reference): <c>[domain[:port]/]path[:tag][@digest]</c>, where each
/// path component is lowercase letters and digits joined by <c>.</c>, <c>_</c>, <c>__</c> or dashes, a tag is at most
/// 128 word characters, dots and dashes, and the name is at most 255 characters. A reference that passes cannot hold
/// <c>..</c> segments, spaces or query characters, so it is safe as an Engine API path.
/// </summary>
public static partial class ImageReference
{
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Domain = "(?:" + DomainComponent + "(?:\\." + DomainComponent + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
    private const string Name = "(?:" + Domain + "/)?" + PathComponent + "(?:/" + PathComponent + ")*";
    private const string Tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string Digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    public const int MaxNameLength = 255;

    [GeneratedRegex("^(?<name>" + Name + ")(?::" + Tag + ")?(?:@" + Digest + ")?\\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex("^" + PathComponent + "\\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PathComponentRegex();

    public static bool IsValid(string? reference) => Why(reference) is null;

    /// <summary>Null when <paramref name="reference"/> is a valid image reference; otherwise why not.</summary>
    public static string? Why(string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return "an image reference must not be empty";
        // The longest valid reference: a 255-character name, a 128-character tag and a long digest.
        if (reference.Length > 1024) return $"an image reference must be at most {MaxNameLength} characters before its tag";
        var match = ReferenceRegex().Match(reference);
        if (!match.Success)
            return $"'{reference}' is not an image reference: expected [registry/]name[:tag][@digest], with lowercase names (letters, digits and . _ - between them)";
        var name = match.Groups["name"].Value;
        if (name.Length > MaxNameLength) return $"image name '{name[..40]}…' is longer than {MaxNameLength} characters";
        return null;
    }

    /// <summary>One component of an image path: lowercase letters and digits joined by <c>.</c>, <c>_</c>, <c>__</c> or
    /// dashes (what an environment name must be, to become <c>kohakuriver/name:base</c>).</summary>
    public static bool IsPathComponent(string? text) => !string.IsNullOrEmpty(text) && PathComponentRegex().IsMatch(text);
}
