using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Access;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Xunit;

namespace KohakuRiver.Tests.Access;

public sealed class TerminalRequestTests
{
    private static TerminalRequest Parse(params (string Key, string[] Values)[] query) =>
        TerminalRequest.FromQuery(new QueryCollection(query.ToDictionary(q => q.Key, q => new StringValues(q.Values))));

    [Fact]
    public void Nothing_asked_is_the_default_shell_at_24_by_80()
    {
        var r = Parse();
        Assert.Equal(TerminalRequest.DefaultShell, r.Command);
        Assert.Equal(["/bin/sh", "-c", "if [ -x /bin/bash ]; then exec /bin/bash; else exec /bin/sh; fi"], r.Command);
        Assert.Equal((24, 80), (r.Rows, r.Cols));
    }

    [Fact]
    public void A_command_runs_under_sh_with_the_size_asked()
    {
        var r = Parse(("command", ["top -b | head"]), ("rows", ["50"]), ("cols", ["1000"]));
        Assert.Equal(["/bin/sh", "-c", "top -b | head"], r.Command);
        Assert.Equal((50, 1000), (r.Rows, r.Cols));
    }

    [Theory]
    [InlineData("rows", "0", "rows must be from 1 to 1000, got 0")]
    [InlineData("cols", "1001", "cols must be from 1 to 1000, got 1001")]
    [InlineData("rows", "-3", "rows must be a whole number from 1 to 1000, got '-3'")]
    [InlineData("cols", "wide", "cols must be a whole number from 1 to 1000, got 'wide'")]
    [InlineData("rows", "99999999999", "rows must be a whole number")]
    [InlineData("command", " ", "command is empty")]
    public void A_bad_value_is_a_400_naming_it(string key, string value, string expected)
    {
        var e = Assert.Throws<ApiException>(() => Parse((key, [value])));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains(expected, e.Detail);
    }

    [Fact]
    public void A_value_given_twice_is_a_400()
    {
        var e = Assert.Throws<ApiException>(() => Parse(("rows", ["10", "20"])));
        Assert.Contains("rows is given 2 times", e.Detail);
    }

    [Fact]
    public void A_command_over_the_task_limit_is_refused_as_a_task_command_is()
    {
        var e = Assert.Throws<HostException>(() => Parse(("command", [new string('x', RequestLimits.MaxCommandBytes + 1)])));
        Assert.Equal(HostErrorKind.Invalid, e.Kind);
        Assert.Contains("command", e.Message);
    }
}
