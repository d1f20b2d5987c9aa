using System.Runtime.CompilerServices;

namespace KohakuRiver.Daemon.Security;

/// <summary>Compares a presented token with the expected one without revealing, by timing, how much of it matched.</summary>
public static class SecretComparison
{
    /// <summary>
    /// True when <paramref name="presented"/> equals <paramref name="expected"/> (never for an empty expected token).
    /// Every character of the expected token is visited whatever was presented, so the time taken depends only on the
    /// two lengths: the presented one is the caller's own, and the expected one is that of a token whose format is
    /// public. Written out rather than hashing both sides first: hashing loads the system's crypto library on every
    /// daemon (about 5 MB resident) for a property, hiding the expected length, that generated tokens do not need.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
    public static bool TokensEqual(string presented, string expected)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Length == 0) return false;
        var difference = presented.Length ^ expected.Length;
        for (var i = 0; i < expected.Length; i++)
            difference |= expected[i] ^ (i < presented.Length ? presented[i] : '\0');
        return difference == 0;
    }
}
