using KohakuRiver.Daemon.Security;
using Xunit;

namespace KohakuRiver.Tests.Security;

public sealed class SecretComparisonTests
{
    private const string Token = "q3vB9nS0x7Jm2kLpT5wZ8cR1yU4eH6aD0fG2iK9oM1s";

    [Fact]
    public void Only_the_same_token_matches()
    {
        Assert.True(SecretComparison.TokensEqual(Token, Token));
        Assert.True(SecretComparison.TokensEqual(new string(Token.ToCharArray()), Token));
        Assert.False(SecretComparison.TokensEqual(Token[..^1] + "t", Token));
        Assert.False(SecretComparison.TokensEqual("X" + Token[1..], Token));
        Assert.False(SecretComparison.TokensEqual(Token[..^1], Token));
        Assert.False(SecretComparison.TokensEqual(Token + "\0", Token));
        Assert.False(SecretComparison.TokensEqual(Token + "x", Token));
        Assert.False(SecretComparison.TokensEqual("", Token));
        Assert.False(SecretComparison.TokensEqual(Token.ToUpperInvariant(), Token));
    }

    [Fact]
    public void An_empty_expected_token_matches_nothing()
    {
        Assert.False(SecretComparison.TokensEqual("", ""));
        Assert.False(SecretComparison.TokensEqual("x", ""));
    }

    [Fact]
    public void Characters_beyond_ascii_are_compared_exactly()
    {
        Assert.True(SecretComparison.TokensEqual("clé-ü-令牌", "clé-ü-令牌"));
        Assert.False(SecretComparison.TokensEqual("cle-ü-令牌", "clé-ü-令牌"));
    }
}
