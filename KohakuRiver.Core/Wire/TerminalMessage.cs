namespace KohakuRiver.Core.Wire;

/// <summary>
/// One JSON text frame on a terminal WebSocket (<c>/ws/task/{id}/terminal</c>,
/// <c>/ws/docker/host/containers/{env}/terminal</c>). In: <c>input</c> (<see cref="Data"/>), <c>resize</c>
/// (<see cref="Rows"/>, <see cref="Cols"/>). Out: <c>output</c>, <c>error</c> (<see cref="Data"/>) and <c>exit</c>
/// (<see cref="ExitCode"/>), sent once when the shell has ended, just before the socket closes normally.
/// </summary>
public sealed class TerminalMessage
{
    public const string Input = "input";
    public const string Resize = "resize";
    public const string Output = "output";
    public const string Error = "error";
    public const string Exit = "exit";

    /// <summary>The largest message either side accepts, in bytes of UTF-8 JSON.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>The largest window side accepted, in rows or columns.</summary>
    public const int MaxWindowSide = 1000;

    public string Type { get; set; } = "";
    public string? Data { get; set; }
    public int? Rows { get; set; }
    public int? Cols { get; set; }
    public int? ExitCode { get; set; }
}
