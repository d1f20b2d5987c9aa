namespace KohakuRiver.Daemon;

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class DaemonJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
