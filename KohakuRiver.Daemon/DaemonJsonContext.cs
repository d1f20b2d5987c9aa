using System.Text.Json;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Runner;

namespace KohakuRiver.Daemon;

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class DaemonJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
