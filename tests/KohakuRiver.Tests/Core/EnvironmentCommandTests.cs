using System.Net;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class EnvironmentCommandTests
{
    [Fact]
    public void A_request_carries_either_a_command_line_or_arguments_and_an_optional_timeout()
    {
        var line = EnvironmentCommand.BuildRequest("pip install torch", null, null);
        Assert.Equal("pip install torch", line.Command);
        Assert.Null(line.Arguments);
        Assert.Null(line.TimeoutSeconds);

        var vector = EnvironmentCommand.BuildRequest(null, ["python", "-c", "print('a b')"], 30);
        Assert.Null(vector.Command);
        Assert.Equal(["python", "-c", "print('a b')"], vector.Arguments);
        Assert.Equal(30, vector.TimeoutSeconds);
    }

    [Theory]
    [InlineData("ls", true)]
    [InlineData(null, false)]
    [InlineData("  ", false)]
    public void Both_or_neither_is_refused(string? command, bool withArguments) =>
        Assert.Throws<ArgumentException>(() => EnvironmentCommand.BuildRequest(command, withArguments ? ["ls"] : [], null));

    [Theory]
    [InlineData(0)]
    [InlineData(3601)]
    public void A_timeout_outside_the_hosts_range_is_refused(int seconds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvironmentCommand.BuildRequest("ls", null, seconds));

    [Fact]
    public async Task A_failing_command_is_a_result_with_its_exit_code_and_output_not_an_exception()
    {
        var host = new FakeHost().On("POST /api/docker/host/exec/py312", r =>
        {
            var body = FakeHost.Read(r, RiverJsonContext.Default.EnvironmentExecRequest);
            return FakeHost.Json(new EnvironmentExecResult { ExitCode = 3, Stdout = "partial\n", Stderr = body.Command + ": not found\nline 2 of why\n" },
                RiverJsonContext.Default.EnvironmentExecResult);
        });
        using var client = host.Client();

        var result = await EnvironmentCommand.InvokeAsync(client, "py312", EnvironmentCommand.BuildRequest("frobnicate", null, 5),
            TestContext.Current.CancellationToken);

        Assert.Equal("py312", result.Environment);
        Assert.Equal("frobnicate", result.CommandLine);
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("partial\n", result.Stdout);
        Assert.Contains("\"timeout_seconds\":5", host.Requests.Single().Body);

        var failure = new EnvironmentCommandFailedException(result);
        Assert.Contains("exited with 3", failure.Message);
        Assert.Contains("line 2 of why", failure.Message);
        Assert.Same(result, failure.Result);
        var info = RiverErrorMapper.Describe(failure, RiverObjectKind.Environment);
        Assert.Equal(("RiverEnvironmentCommandFailed", RiverErrorCategory.NotSpecified, false), (info.ErrorId, info.Category, info.StopsCommand));
    }

    [Fact]
    public async Task An_argument_vector_is_shown_joined_and_the_hosts_timeout_is_a_TimeoutException()
    {
        var host = new FakeHost().On("POST /api/docker/host/exec/py312", r =>
            r.Body.Contains("sleep", StringComparison.Ordinal)
                ? FakeHost.Error(HttpStatusCode.GatewayTimeout, "the command in environment 'py312' did not finish within 1 s")
                : FakeHost.Json(new EnvironmentExecResult { ExitCode = 0, Stdout = "3.12\n" }, RiverJsonContext.Default.EnvironmentExecResult));
        using var client = host.Client();
        var ct = TestContext.Current.CancellationToken;

        var ok = await EnvironmentCommand.InvokeAsync(client, "py312", EnvironmentCommand.BuildRequest(null, ["python", "-V"], null), ct);
        Assert.Equal("python -V", ok.CommandLine);
        Assert.True(ok.Succeeded);

        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            EnvironmentCommand.InvokeAsync(client, "py312", EnvironmentCommand.BuildRequest("sleep 5", null, 1), ct));
        Assert.Contains("did not finish", e.Message);
        Assert.Equal("RiverTimeout", RiverErrorMapper.Describe(e).ErrorId);
    }
}
