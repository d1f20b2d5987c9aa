using System.Text.Json;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>The host's core throws domain errors; the web pipeline alone turns them into HTTP answers.</summary>
public sealed class HostErrorMappingTests
{
    [Theory]
    [InlineData(HostErrorKind.Invalid, 400)]
    [InlineData(HostErrorKind.NotFound, 404)]
    [InlineData(HostErrorKind.Conflict, 409)]
    [InlineData(HostErrorKind.Unavailable, 503)]
    [InlineData(HostErrorKind.TimedOut, 504)]
    [InlineData(HostErrorKind.EngineFailed, 502)]
    public void Each_kind_has_its_status(HostErrorKind kind, int status) => Assert.Equal(status, ApiPipeline.StatusFor(kind));

    [Fact]
    public void Every_kind_is_mapped() =>
        Assert.All(Enum.GetValues<HostErrorKind>(), kind => Assert.NotEqual(500, ApiPipeline.StatusFor(kind)));

    [Theory]
    [InlineData(HostErrorKind.Invalid, 400)]
    [InlineData(HostErrorKind.NotFound, 404)]
    [InlineData(HostErrorKind.Conflict, 409)]
    [InlineData(HostErrorKind.Unavailable, 503)]
    [InlineData(HostErrorKind.TimedOut, 504)]
    [InlineData(HostErrorKind.EngineFailed, 502)]
    public async Task A_host_error_thrown_by_an_endpoint_is_answered_with_its_status_and_message_as_detail(HostErrorKind kind, int status)
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseJsonErrors(NullLogger.Instance);
        app.Run(_ => throw new HostException(kind, "task 42 has already finished (killed) \"quoted\""));
        var pipeline = app.Build();
        var ctx = new DefaultHttpContext { RequestServices = services };
        var body = new MemoryStream();
        ctx.Response.Body = body;

        await pipeline(ctx);

        Assert.Equal(status, ctx.Response.StatusCode);
        using var json = JsonDocument.Parse(body.ToArray());
        Assert.Equal("task 42 has already finished (killed) \"quoted\"", json.RootElement.GetProperty("detail").GetString());
    }
}
