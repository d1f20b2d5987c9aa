using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Sweeps;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class RiverErrorMapperTests
{
    public static TheoryData<HttpStatusCode?, RiverObjectKind, string, RiverErrorCategory, bool> HostAnswers => new()
    {
        { HttpStatusCode.NotFound, RiverObjectKind.Task, "RiverTaskNotFound", RiverErrorCategory.ObjectNotFound, false },
        { HttpStatusCode.NotFound, RiverObjectKind.Node, "RiverNodeNotFound", RiverErrorCategory.ObjectNotFound, false },
        { null, RiverObjectKind.Task, "RiverConnectionFailed", RiverErrorCategory.ConnectionError, true },
        { HttpStatusCode.Unauthorized, RiverObjectKind.Task, "RiverUnauthorized", RiverErrorCategory.AuthenticationError, true },
        { HttpStatusCode.Forbidden, RiverObjectKind.Node, "RiverUnauthorized", RiverErrorCategory.AuthenticationError, true },
        { HttpStatusCode.BadRequest, RiverObjectKind.Task, "RiverInvalidArgument", RiverErrorCategory.InvalidArgument, false },
        { HttpStatusCode.Conflict, RiverObjectKind.Task, "RiverTaskStateConflict", RiverErrorCategory.InvalidOperation, false },
        { HttpStatusCode.ServiceUnavailable, RiverObjectKind.Task, "RiverHostUnavailable", RiverErrorCategory.ResourceUnavailable, false },
        { HttpStatusCode.RequestEntityTooLarge, RiverObjectKind.Batch, "RiverRequestTooLarge", RiverErrorCategory.LimitsExceeded, false },
        { HttpStatusCode.InternalServerError, RiverObjectKind.Task, "RiverHostError", RiverErrorCategory.NotSpecified, false },
    };

    [Theory]
    [MemberData(nameof(HostAnswers))]
    public void Host_answers_map_to_specific_ids_and_categories(HttpStatusCode? status, RiverObjectKind kind, string id, RiverErrorCategory category, bool stops)
    {
        var info = RiverErrorMapper.Describe(new RiverApiException(status, "the detail"), kind);
        Assert.Equal(id, info.ErrorId);
        Assert.Equal(category, info.Category);
        Assert.Equal(stops, info.StopsCommand);
        Assert.Contains(status is null ? "the detail" : "the detail", info.Message);
    }

    [Fact]
    public void Local_failures_map_too()
    {
        var notConnected = RiverErrorMapper.Describe(new RiverNotConnectedException("no cluster"));
        Assert.Equal(("RiverNotConnected", RiverErrorCategory.ConnectionError, true), (notConnected.ErrorId, notConnected.Category, notConnected.StopsCommand));
        Assert.Contains("Connect-RiverCluster", notConnected.RecommendedAction);

        Assert.Equal("RiverSweepInvalid", RiverErrorMapper.Describe(new SweepException("x")).ErrorId);
        Assert.Equal(RiverErrorCategory.InvalidArgument, RiverErrorMapper.Describe(new FormatException("x")).Category);
        Assert.Equal("RiverNodeNotFound", RiverErrorMapper.Describe(new KeyNotFoundException("x"), RiverObjectKind.Node).ErrorId);
        Assert.True(RiverErrorMapper.Describe(new ClientConfigException("bad json")).StopsCommand);
        Assert.Equal("RiverUnexpectedError", RiverErrorMapper.Describe(new InvalidCastException("x")).ErrorId);
    }
}
