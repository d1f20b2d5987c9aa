using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Submission;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Access;

/// <summary>
/// What a terminal WebSocket asks for, from its query: <c>command</c> (a shell command line run as
/// <c>/bin/sh -c</c>; by default bash when the image has it, else sh), <c>rows</c> and <c>cols</c> (the first window
/// size, 1 to 1000 each; 24 x 80 by default). Every wrong value is a 400 before the upgrade.
/// </summary>
public sealed record TerminalRequest(IReadOnlyList<string> Command, int Rows, int Cols)
{
    public const int DefaultRows = 24;
    public const int DefaultCols = 80;

    /// <summary>bash when the image has it, else sh; <c>exec</c> so the shell is the process a hang-up reaches.</summary>
    public static readonly IReadOnlyList<string> DefaultShell =
        ["/bin/sh", "-c", "if [ -x /bin/bash ]; then exec /bin/bash; else exec /bin/sh; fi"];

    /// <summary>
    /// What the exec runs: the window size set from inside the terminal first, then <see cref="Command"/>. Engine API
    /// 1.41 takes no size when an exec starts, and the resize that follows the start can come after a short command
    /// has already read its size (0 x 0); <c>stty</c> on the terminal itself cannot. An image without stty only
    /// loses that head start.
    /// </summary>
    public IReadOnlyList<string> SizedCommand() =>
    [
        "/bin/sh", "-c", "stty rows \"$1\" cols \"$2\" 2>/dev/null; shift 2; exec \"$@\"", "sh",
        Rows.ToString(CultureInfo.InvariantCulture), Cols.ToString(CultureInfo.InvariantCulture), .. Command,
    ];

    /// <summary>The request behind a terminal endpoint: a WebSocket upgrade (else 400) with a valid query (else 400).</summary>
    public static TerminalRequest From(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
            throw ApiException.BadRequest($"{ctx.Request.Path} is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)");
        return FromQuery(ctx.Request.Query);
    }

    public static TerminalRequest FromQuery(IQueryCollection query)
    {
        IReadOnlyList<string> command = DefaultShell;
        if (Single(query, "command") is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) throw ApiException.BadRequest("command is empty: leave it out for the default shell");
            SubmissionValidator.CheckCommandLine(line, null);
            command = ["/bin/sh", "-c", line];
        }
        return new TerminalRequest(command, Side(query, "rows", DefaultRows), Side(query, "cols", DefaultCols));
    }

    /// <summary>Null when <paramref name="side"/> is a window side the terminal accepts, else why not.</summary>
    public static string? WhyNotSide(string name, int? side) =>
        side is >= 1 and <= TerminalMessage.MaxWindowSide ? null : $"{name} must be from 1 to {TerminalMessage.MaxWindowSide}, got {side?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}";

    private static int Side(IQueryCollection query, string name, int fallback)
    {
        if (Single(query, name) is not { } text) return fallback;
        int? side = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        if (side is null) throw ApiException.BadRequest($"{name} must be a whole number from 1 to {TerminalMessage.MaxWindowSide}, got '{ShownText.Of(text)}'");
        return WhyNotSide(name, side) is { } why ? throw ApiException.BadRequest(why) : side.Value;
    }

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0) return null;
        if (values.Count > 1) throw ApiException.BadRequest($"{name} is given {values.Count} times; give it once");
        return values[0];
    }
}
