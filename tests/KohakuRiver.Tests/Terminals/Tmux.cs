using System.Diagnostics;
using System.Text;

namespace KohakuRiver.Tests.Terminals;

/// <summary>
/// A tmux server of its own (<c>tmux -L &lt;unique&gt;</c>, no config file, no status line) holding one window of a fixed
/// size that runs a program: keys go in with send-keys, the screen comes back with capture-pane, and waits poll the
/// screen until a deadline. Everything the program writes to its terminal can also be recorded byte for byte
/// (pipe-pane). Killed with its server on dispose.
/// </summary>
public sealed class Tmux : IDisposable
{
    private const string Target = "t:0.0";

    private Tmux(string socket) => Socket = socket;

    public string Socket { get; }

    /// <summary>The tmux binary, or null when it is not installed.</summary>
    public static string? Binary => Which("tmux");

    /// <summary>pwsh: $KOHAKURIVER_PWSH, else on PATH, else the .NET global tool's place.</summary>
    public static string? Pwsh =>
        Environment.GetEnvironmentVariable("KOHAKURIVER_PWSH") is { Length: > 0 } p && File.Exists(p) ? p
        : Which("pwsh") ?? (Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "pwsh") is var tool && File.Exists(tool) ? tool : null);

    /// <summary>Starts a server whose one window (cols x rows) runs <paramref name="command"/> with these extra
    /// environment variables.</summary>
    public static Tmux Start(int cols, int rows, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var tmux = new Tmux("kr-" + Guid.NewGuid().ToString("N")[..10]);
        var args = new List<string> { "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", cols.ToString(), "-y", rows.ToString() };
        foreach (var (k, v) in environment) args.AddRange(["-e", $"{k}={v}"]);
        args.AddRange(command);
        tmux.Run([.. args]);
        tmux.Run("set-option", "-t", "t", "status", "off");
        // A program that dies leaves its last screen to read in the failure message.
        tmux.Run("set-option", "-t", "t", "remain-on-exit", "on");
        tmux.Run("resize-window", "-t", "t", "-x", cols.ToString(), "-y", rows.ToString());
        return tmux;
    }

    /// <summary>Types text as it is (UTF-8, no key names).</summary>
    public void Type(string text) => Run("send-keys", "-t", Target, "-l", text);

    /// <summary>Presses keys by tmux's names: Enter, C-c, C-], …</summary>
    public void Press(params string[] keys) => Run(["send-keys", "-t", Target, .. keys]);

    /// <summary>Types a line and presses Enter.</summary>
    public void Line(string text)
    {
        Type(text);
        Press("Enter");
    }

    /// <summary>The screen and the scrollback, wrapped lines joined.</summary>
    public string Screen() => Run("capture-pane", "-p", "-J", "-S", "-", "-t", Target);

    public void ClearHistory() => Run("clear-history", "-t", Target);

    /// <summary>The pane's terminal device (/dev/pts/N).</summary>
    public string PaneTty() => Run("display-message", "-p", "-t", Target, "#{pane_tty}").Trim();

    public void Resize(int cols, int rows) => Run("resize-window", "-t", "t", "-x", cols.ToString(), "-y", rows.ToString());

    /// <summary>From now on, appends every byte the program writes to its terminal to <paramref name="file"/>.</summary>
    public void Record(string file) => Run("pipe-pane", "-t", Target, "-o", "cat >> '" + file.Replace("'", "'\\''") + "'");

    public void StopRecording() => Run("pipe-pane", "-t", Target);

    /// <summary>Polls the screen until <paramref name="seen"/> holds; fails with the screen after the deadline.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> seen, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var delay = 20;
        while (true)
        {
            var screen = Screen();
            if (seen(screen)) return screen;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}; the screen:\n{screen}");
            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 200);
        }
    }

    public Task<string> WaitForAsync(string text, TimeSpan? timeout = null) =>
        WaitForAsync(s => s.Contains(text, StringComparison.Ordinal), $"'{text}'", timeout);

    /// <summary>The terminal settings of the pane's tty now, as stty -g prints them (read from outside the pane).</summary>
    public string SttySettings() => Exec("stty", "-g", "-F", PaneTty()).Trim();

    public string Run(params string[] args) => Exec(Binary!, ["-L", Socket, .. args]);

    private static string Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromSeconds(20))) p.Kill(entireProcessTree: true);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Trim()}");
        return stdout.GetAwaiter().GetResult();
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public void Dispose()
    {
        string? socketPath = null;
        try
        {
            socketPath = Run("display-message", "-p", "#{socket_path}").Trim();
            Run("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        // tmux 3.3 leaves its socket file behind when its server is killed.
        if (!string.IsNullOrEmpty(socketPath)) File.Delete(socketPath);
    }
}
