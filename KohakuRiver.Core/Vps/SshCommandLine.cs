using System.Globalization;
using System.Text.RegularExpressions;
using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// The arguments for the system <c>ssh</c>, as an argument vector (no shell, no quoting): the user's options, then
/// <c>-p PORT -o HostKeyAlias=river-vps-ID -o UserKnownHostsFile=FILE -o StrictHostKeyChecking=accept-new
/// [-i KEY -o IdentitiesOnly=yes] USER@127.0.0.1 [COMMAND]</c>. The host key is remembered under the VPS's alias, not
/// under 127.0.0.1 and a port that changes every time, so a VPS's key is learned once and then checked.
/// </summary>
public static partial class SshCommandLine
{
    public const string LoopbackAddress = "127.0.0.1";

    public static IReadOnlyList<string> Build(SshCommandOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), options.Port, "A TCP port is 1-65535.");
        if (options.TaskId <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.TaskId, "A task id is positive.");
        if (!IsValidUser(options.User))
            throw new ArgumentException($"'{options.User}' is not a plain account name (letters, digits, '.', '_', '-', not starting with '-')", nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.KnownHostsFile);

        var args = new List<string>(options.ExtraArguments.Count + 16);
        foreach (var a in options.ExtraArguments)
            args.Add(a ?? throw new ArgumentException("an ssh argument is null", nameof(options)));
        args.Add("-p");
        args.Add(options.Port.ToString(CultureInfo.InvariantCulture));
        args.Add("-o");
        args.Add("HostKeyAlias=" + SshConfigEntry.HostKeyAlias(options.TaskId));
        args.Add("-o");
        args.Add("UserKnownHostsFile=" + ConfigValue(options.KnownHostsFile));
        args.Add("-o");
        args.Add("StrictHostKeyChecking=accept-new");
        if (!string.IsNullOrEmpty(options.IdentityFile))
        {
            // -i takes the path as is (no config parsing); IdentitiesOnly keeps an agent's many keys from using up the
            // server's authentication attempts before this one is tried.
            args.Add("-i");
            args.Add(options.IdentityFile);
            args.Add("-o");
            args.Add("IdentitiesOnly=yes");
        }
        args.Add(options.User + "@" + LoopbackAddress);
        if (!string.IsNullOrEmpty(options.RemoteCommand)) args.Add(options.RemoteCommand);
        return args;
    }

    /// <summary>An account name ssh cannot take for an option: it never starts with '-' and holds no '@' or spaces.</summary>
    public static bool IsValidUser(string? user) => user is not null && UserPattern().IsMatch(user);

    /// <summary>
    /// A value as ssh reads it after <c>-o Name=</c>: that line is parsed like ssh_config, so whitespace needs double
    /// quotes, and file options expand %-tokens, so a literal % is written %%.
    /// </summary>
    public static string ConfigValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('"')) throw new ArgumentException($"an ssh option value cannot hold a double quote: {value}", nameof(value));
        var escaped = value.Replace("%", "%%");
        return escaped.Any(char.IsWhiteSpace) ? "\"" + escaped + "\"" : escaped;
    }

    /// <summary>The <c>ssh</c> program on PATH (ssh.exe on Windows); <see cref="SshClientNotFoundException"/> if none.</summary>
    public static string FindSsh(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return FindExecutable("ssh", environment("PATH"), OperatingSystem.IsWindows() ? environment("PATHEXT") ?? ".EXE" : null)
               ?? throw new SshClientNotFoundException("no 'ssh' program on PATH: Connect-RiverVps runs the system's OpenSSH client");
    }

    /// <summary>The first file named <paramref name="name"/> (with one of the PATHEXT extensions, where given) in the
    /// PATH folders that is executable; null when there is none.</summary>
    public static string? FindExecutable(string name, string? pathVariable, string? pathExtensions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (string.IsNullOrEmpty(pathVariable)) return null;
        var extensions = string.IsNullOrEmpty(pathExtensions)
            ? [""]
            : pathExtensions.Split(';', StringSplitOptions.RemoveEmptyEntries).Prepend("").ToArray();
        foreach (var folder in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var dir = folder.Trim().Trim('"');
            // An empty or relative entry would make the result depend on the current folder: skip it.
            if (dir.Length == 0 || !Path.IsPathRooted(dir)) continue;
            foreach (var ext in extensions)
            {
                var candidate = Path.Combine(dir, name + ext);
                if (IsExecutableFile(candidate)) return candidate;
            }
        }
        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9._-]{0,31}\z")]
    private static partial Regex UserPattern();
}
