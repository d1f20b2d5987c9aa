using System.Text.Json.Serialization;

namespace KohakuRiver.Daemon.Docker;

// Source-generated so the client needs no reflection (trimming/AOT friendly). No naming policy: the
// C# names are Docker's names. WhenWritingNull keeps unset optional fields out of requests so that the
// engine applies its own defaults instead of our nulls.
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerCreateSpec))]
[JsonSerializable(typeof(ContainerWaitResult))]
[JsonSerializable(typeof(ContainerInspect))]
[JsonSerializable(typeof(List<ContainerSummary>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(ExecCreateSpec))]
[JsonSerializable(typeof(ExecInspect))]
[JsonSerializable(typeof(DockerErrorResponse))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(ExecStartSpec))]
[JsonSerializable(typeof(CommitConfig))]
[JsonSerializable(typeof(DockerEvent))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
