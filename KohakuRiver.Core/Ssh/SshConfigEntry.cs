using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KohakuRiver.Core.Ssh;

/// <summary>
/// An ssh_config <c>Host</c> block that reaches a VPS through the host's SSH proxy with nothing but bash:
/// the ProxyCommand opens <c>/dev/tcp</c>, sends the request line with the token read from a file (so the
/// token never sits in the config or on a command line), checks the answer and then hands the socket
/// to two <c>cat</c>s. Every input is checked against a narrow character set, because the block is
/// ssh_config text around a shell command and anything else could add lines or shell syntax.
/// </summary>
public static partial class SshConfigEntry
{
    /// <summary>Known-hosts name of a VPS: stable per task, independent of which proxy address reached it.</summary>
    public static string HostKeyAlias(long taskId) => "river-vps-" + taskId.ToString(CultureInfo.InvariantCulture);

    /// <param name="fdPassing">Use a python3 ProxyCommand that does the handshake and then hands the connected socket
    /// to ssh itself (<c>ProxyUseFdpass</c>), so no process copies the session's bytes on this side: faster for bulk
    /// scp/rsync, but it needs python3 (3.9+) where ssh runs.</param>
    public static string Render(string alias, string proxyHost, int proxyPort, long taskId, string tokenFile, string user,
        string? identityFile, string knownHostsFile, bool fdPassing = false)
    {
        if (alias is null || !AliasPattern().IsMatch(alias))
            throw new ArgumentException("The alias must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.", nameof(alias));
        if (user is null || !UserPattern().IsMatch(user))
            throw new ArgumentException("The user must be a plain account name (letters, digits, '.', '_', '-').", nameof(user));
        CheckPath(knownHostsFile, nameof(knownHostsFile));
        if (identityFile is not null) CheckPath(identityFile, nameof(identityFile));
        string proxyCommand = fdPassing ? FdPassingProxyCommand(proxyHost, proxyPort, taskId, tokenFile) : ProxyCommand(proxyHost, proxyPort, taskId, tokenFile);

        var sb = new StringBuilder();
        sb.Append("Host ").Append(alias).Append('\n');
        sb.Append("    User ").Append(user).Append('\n');
        // ssh expands %-tokens in ProxyCommand: a literal % (printf's format) must be written %%.
        sb.Append("    ProxyCommand ").Append(proxyCommand.Replace("%", "%%")).Append('\n');
        if (fdPassing) sb.Append("    ProxyUseFdpass yes\n");
        sb.Append("    HostKeyAlias ").Append(HostKeyAlias(taskId)).Append('\n');
        sb.Append("    UserKnownHostsFile ").Append(Quote(knownHostsFile)).Append('\n');
        sb.Append("    StrictHostKeyChecking accept-new\n");
        if (identityFile is not null)
        {
            sb.Append("    IdentityFile ").Append(Quote(identityFile)).Append('\n');
            sb.Append("    IdentitiesOnly yes\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The ProxyCommand as a shell runs it (before ssh_config's %% escaping). Exits 1 with
    /// "kohakuriver: ERROR &lt;reason&gt;" on stderr when the proxy refuses, which ssh shows to the user.
    /// </summary>
    public static string ProxyCommand(string proxyHost, int proxyPort, long taskId, string tokenFile)
    {
        ArgumentNullException.ThrowIfNull(proxyHost);
        if (proxyHost.StartsWith('[') && proxyHost.EndsWith(']'))
            proxyHost = proxyHost[1..^1]; // bash's /dev/tcp wants a bare IPv6 address
        if (!HostPattern().IsMatch(proxyHost) && !(proxyHost.Contains(':') && Ipv6Pattern().IsMatch(proxyHost)))
            throw new ArgumentException("The proxy host must be a host name, an IPv4 address or an IPv6 address.", nameof(proxyHost));
        if (proxyPort is <= 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(proxyPort), proxyPort, "A TCP port is 1-65535.");
        if (taskId <= 0)
            throw new ArgumentOutOfRangeException(nameof(taskId), taskId, "A task id is positive.");
        CheckPath(tokenFile, nameof(tokenFile));

        string id = taskId.ToString(CultureInfo.InvariantCulture);
        string port = proxyPort.ToString(CultureInfo.InvariantCulture);
        // The outer single quotes carry the script through the user's login shell untouched (it holds no
        // single quote). bash's read takes the answer one byte at a time from a socket, so sshd's first
        // bytes stay in the socket for the cats. bash cannot half-close a socket, so when ssh is done (the
        // writing cat sees end of input, or ssh sends SIGHUP) the reading cat is killed: only then is the
        // socket closed, and the proxy and sshd learn that the session is over instead of waiting forever.
        return "bash -c '"
            + $"exec 3<>/dev/tcp/{proxyHost}/{port}"
            + $" && printf \"{SshTunnel.RequestVerb} %s %s\\n\" {id} \"$(cat \"{tokenFile}\")\" >&3"
            + " && IFS= read -r -t 10 l <&3"
            + $" && [ \"$l\" = {SshTunnel.SuccessAnswer} ]"
            + $" || {{ echo \"kohakuriver: ${{l:-no tunnel through the SSH proxy at {proxyHost}:{port}}}\" >&2; exit 1; }}"
            + "; cat <&3 & trap \"kill $! 2>/dev/null\" EXIT HUP TERM; cat >&3'";
    }

    /// <summary>
    /// A python3 ProxyCommand for <c>ProxyUseFdpass yes</c>: it connects, sends the request line with the token read
    /// from the file, reads the answer byte by byte (an unbuffered readline) and passes the socket to ssh over its
    /// standard output. It contains no '%' and no single quote, so neither ssh_config nor the shell alters it.
    /// </summary>
    public static string FdPassingProxyCommand(string proxyHost, int proxyPort, long taskId, string tokenFile)
    {
        // Same checks as the bash form.
        _ = ProxyCommand(proxyHost, proxyPort, taskId, tokenFile);
        if (proxyHost.StartsWith('[') && proxyHost.EndsWith(']')) proxyHost = proxyHost[1..^1];
        string id = taskId.ToString(CultureInfo.InvariantCulture);
        string port = proxyPort.ToString(CultureInfo.InvariantCulture);
        return "python3 -c '"
            + "import socket,sys;"
            + $"s=socket.create_connection((\"{proxyHost}\",{port}),10);"
            + $"s.sendall((\"{SshTunnel.RequestVerb} {id} \"+open(\"{tokenFile}\").read().strip()+\"\\n\").encode());"
            + "l=s.makefile(\"rb\",0).readline(1024);"
            + $"l==b\"{SshTunnel.SuccessAnswer}\\n\" or sys.exit(\"kohakuriver: \"+(l.decode(errors=\"replace\").strip() or \"no tunnel through the SSH proxy\"));"
            + "s.settimeout(None);"
            + "socket.send_fds(socket.socket(fileno=1),[b\"\\0\"],[s.fileno()])'";
    }

    // Absolute, and free of everything that means something to ssh_config quoting, %-expansion or the
    // shell inside double quotes.
    private static void CheckPath(string? path, string name)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new ArgumentException("The path must be absolute.", name);
        foreach (char c in path)
            if (char.IsControl(c) || c is '\'' or '"' or '\\' or '$' or '`' or '%')
                throw new ArgumentException($"The path must not contain control characters or any of ' \" \\ $ ` %: {path}", name);
    }

    private static string Quote(string path) => path.Contains(' ') ? "\"" + path + "\"" : path;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex AliasPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9._-]{0,31}\z")]
    private static partial Regex UserPattern();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\z")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^[0-9A-Fa-f:.]{2,45}\z")]
    private static partial Regex Ipv6Pattern();
}
