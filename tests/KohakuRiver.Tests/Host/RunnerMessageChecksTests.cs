using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Web;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>The checks the node endpoints run on a runner's messages before the host's state sees them.</summary>
public sealed class RunnerMessageChecksTests
{
    [Theory]
    [InlineData("bad name", "http://x:1", 1, 1L, "hostname 'bad name' is not a valid node name")]
    [InlineData("n1", "ftp://x:1", 1, 1L, "url 'ftp://x:1' is not an http(s) URL")]
    [InlineData("n1", "http://x:1", 0, 1L, "total_cores must be positive, got 0")]
    [InlineData("n1", "http://x:1", 1, 0L, "total_ram_bytes must be positive, got 0")]
    public void A_malformed_registration_is_a_400_that_names_the_field(string host, string url, int cores, long mem, string detail)
    {
        var e = Assert.Throws<ApiException>(() => WireChecks.Registration(new RegisterRequest { Hostname = host, Url = url, TotalCores = cores, TotalRamBytes = mem }));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal(detail, e.Detail);
    }

    [Fact]
    public void A_well_formed_registration_passes()
    {
        WireChecks.Registration(new RegisterRequest { Hostname = "n1", Url = "http://n1:8001", TotalCores = 1, TotalRamBytes = 1 });
    }
}
