using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Sweeps;
using KohakuRiver.Core.Vps;
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

    public static TheoryData<Exception, RiverObjectKind, string, RiverErrorCategory, bool> NewFailures => new()
    {
        { new SshTunnelException("no VPS with task id 5", refusedByProxy: true), RiverObjectKind.Vps, "RiverSshTunnelFailed", RiverErrorCategory.ConnectionError, false },
        { new SshTunnelException("cannot connect to the SSH proxy"), RiverObjectKind.Vps, "RiverSshTunnelFailed", RiverErrorCategory.ConnectionError, false },
        { new SshClientNotFoundException("no ssh"), RiverObjectKind.Vps, "RiverSshClientNotFound", RiverErrorCategory.ObjectNotFound, true },
        { new SshPublicKeyNotFoundException("no key"), RiverObjectKind.Vps, "RiverSshPublicKeyNotFound", RiverErrorCategory.ObjectNotFound, false },
        { new VpsNotReachableException(5, "VPS 5 is pending"), RiverObjectKind.Vps, "RiverVpsStateConflict", RiverErrorCategory.InvalidOperation, false },
        { new VpsCreationFailedException(5, "VPS 5 is failed: no sshd"), RiverObjectKind.Vps, "RiverVpsCreationFailed", RiverErrorCategory.InvalidOperation, false },
        { new KeyNotFoundException("task 5 is not a VPS"), RiverObjectKind.Vps, "RiverVpsNotFound", RiverErrorCategory.ObjectNotFound, false },
        { new KeyNotFoundException("environment 'x' is not known"), RiverObjectKind.Environment, "RiverEnvironmentNotFound", RiverErrorCategory.ObjectNotFound, false },
        { new FileNotFoundException("no such key", "/k"), RiverObjectKind.Vps, "RiverFileNotFound", RiverErrorCategory.ObjectNotFound, false },
        { new UnauthorizedAccessException("denied"), RiverObjectKind.Vps, "RiverFileAccessDenied", RiverErrorCategory.PermissionDenied, false },
        { new IOException("/k already exists"), RiverObjectKind.Vps, "RiverFileAccessFailed", RiverErrorCategory.ResourceUnavailable, false },
    };

    [Theory]
    [MemberData(nameof(NewFailures))]
    public void Environment_VPS_SSH_and_file_failures_have_their_own_ids(Exception error, RiverObjectKind kind, string id, RiverErrorCategory category, bool stops)
    {
        var info = RiverErrorMapper.Describe(error, kind);
        Assert.Equal((id, category, stops), (info.ErrorId, info.Category, info.StopsCommand));
    }

    [Fact]
    public void A_missing_key_says_which_options_give_one_and_a_refused_tunnel_gives_the_proxys_reason()
    {
        Assert.Contains("-GenerateKey", RiverErrorMapper.Describe(new SshPublicKeyNotFoundException("x")).RecommendedAction);
        Assert.Contains("no VPS with task id 5", RiverErrorMapper.Describe(new SshTunnelException("no VPS with task id 5", true)).Message);
        Assert.Contains("8002", RiverErrorMapper.Describe(new SshTunnelException("timed out")).RecommendedAction);
    }
}

