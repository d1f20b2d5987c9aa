using KohakuRiver.Daemon.Configuration;
using Xunit;

namespace KohakuRiver.Tests.Daemon;

public sealed class TokenStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kohakuriver-unit", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private DaemonSettings Settings() => new() { DataDir = Path.Combine(_dir, "data") };

    [Fact]
    public void Missing_tokens_are_generated_and_stored_owner_only()
    {
        var s = Settings();
        var said = new List<string>();
        TokenStore.EnsureHostTokens(s, said.Add);

        Assert.Matches("^[A-Za-z0-9_-]{43}$", s.ApiToken);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", s.ClusterToken);
        Assert.NotEqual(s.ApiToken, s.ClusterToken);
        var apiPath = Path.Combine(s.DataDir, "api-token");
        var clusterPath = Path.Combine(s.DataDir, "cluster-token");
        Assert.Equal(s.ApiToken, File.ReadAllText(apiPath));
        Assert.Equal(s.ClusterToken, File.ReadAllText(clusterPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(apiPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(clusterPath));
        }
        Assert.False(File.Exists(apiPath + ".tmp"));
        Assert.Equal(
            [$"API token generated and stored (owner-readable only) in {apiPath}", $"cluster token generated and stored (owner-readable only) in {clusterPath}"],
            said);
    }

    [Fact]
    public void The_next_start_reads_the_stored_tokens_back()
    {
        var first = Settings();
        TokenStore.EnsureHostTokens(first, _ => { });

        var second = Settings();
        var said = new List<string>();
        TokenStore.EnsureHostTokens(second, said.Add);

        Assert.Equal(first.ApiToken, second.ApiToken);
        Assert.Equal(first.ClusterToken, second.ClusterToken);
        Assert.Equal(
            [$"API token read from {Path.Combine(second.DataDir, "api-token")}", $"cluster token read from {Path.Combine(second.DataDir, "cluster-token")}"],
            said);
    }

    [Fact]
    public void Configured_tokens_are_kept_and_not_written()
    {
        var s = Settings();
        s.ApiToken = "configured-api";
        s.ClusterToken = "configured-cluster";
        var said = new List<string>();
        TokenStore.EnsureHostTokens(s, said.Add);

        Assert.Equal("configured-api", s.ApiToken);
        Assert.Equal("configured-cluster", s.ClusterToken);
        Assert.False(File.Exists(Path.Combine(s.DataDir, "api-token")));
        Assert.Empty(said);
    }

    [Fact]
    public void An_empty_token_file_is_replaced_by_a_new_token()
    {
        var s = Settings();
        Directory.CreateDirectory(s.DataDir);
        File.WriteAllText(Path.Combine(s.DataDir, "api-token"), "  \n");
        s.ClusterToken = "c";
        TokenStore.EnsureHostTokens(s, _ => { });

        Assert.Matches("^[A-Za-z0-9_-]{43}$", s.ApiToken);
        Assert.Equal(s.ApiToken, File.ReadAllText(Path.Combine(s.DataDir, "api-token")));
    }

    [Fact]
    public void A_stored_token_is_read_without_surrounding_whitespace()
    {
        var s = Settings();
        Directory.CreateDirectory(s.DataDir);
        File.WriteAllText(Path.Combine(s.DataDir, "cluster-token"), "hand-written\n");
        s.ApiToken = "a";
        TokenStore.EnsureHostTokens(s, _ => { });
        Assert.Equal("hand-written", s.ClusterToken);
    }

    [Fact]
    public void New_tokens_are_url_safe_and_different_each_time()
    {
        var tokens = Enumerable.Range(0, 50).Select(_ => TokenStore.NewToken()).ToList();
        Assert.Equal(50, tokens.Distinct().Count());
        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]{43}$", t));
    }
}
