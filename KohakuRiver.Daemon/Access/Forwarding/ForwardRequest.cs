using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Web;
using Microsoft.Extensions.Primitives;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>What a forward socket's path and query ask for (<c>/ws/forward/{id}/{port}?proto=</c>), checked the same
/// on the host and the runner: every wrong value is a 400 before any upgrade.</summary>
public static class ForwardRequest
{
    /// <summary>A port in a path: 1..65535.</summary>
    public static ushort Port(string text) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0
            ? port
            : throw ApiException.BadRequest($"port '{text}' is not a port number (1-65535)");

    /// <summary>The <c>proto</c> query: TCP when absent, else tcp or udp in any case.</summary>
    public static ForwardProtocol Protocol(StringValues proto) =>
        proto.Count == 0 ? ForwardProtocol.Tcp
        : proto.ToString().ToLowerInvariant() switch
        {
            "tcp" => ForwardProtocol.Tcp,
            "udp" => ForwardProtocol.Udp,
            _ => throw ApiException.BadRequest($"proto '{proto}' is not tcp or udp"),
        };
}
