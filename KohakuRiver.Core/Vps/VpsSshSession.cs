using System.Diagnostics;
using System.Text;
using KohakuRiver.Core.Files;
using KohakuRiver.Core.Ssh;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// Runs the system ssh through a <see cref="SshLoopbackForwarder"/> that lives exactly as long as ssh does. With no
/// output callback ssh inherits the console (an interactive login: its own terminal handling, Ctrl+C goes to the
/// remote side); with one, ssh's stdout is read line by line and handed to it (stderr still goes to the console, so
/// ssh's prompts and warnings are seen). Cancelling kills ssh.
/// </summary>
public static class VpsSshSession
{
    public static async Task<VpsSshSessionResult> RunAsync(VpsSshSessionOptions options, Func<string, ValueTask>? onOutputLine,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var knownHostsDirectory = Path.GetDirectoryName(Path.GetFullPath(options.KnownHostsFile))!;
        OwnerOnlyFile.EnsureDirectory(knownHostsDirectory);

        var forwarder = new SshLoopbackForwarder(options.Proxy.Host, options.Proxy.Port, options.TaskId, options.Token);
        IReadOnlyList<string> arguments;
        int exitCode;
        try
        {
            arguments = SshCommandLine.Build(new SshCommandOptions
            {
                Port = forwarder.Port,
                TaskId = options.TaskId,
                User = options.User,
                KnownHostsFile = options.KnownHostsFile,
                IdentityFile = options.IdentityFile,
                ExtraArguments = options.SshArguments,
                RemoteCommand = options.RemoteCommand,
            });
            exitCode = await RunSshAsync(options.SshPath, arguments, onOutputLine, ct).ConfigureAwait(false);
        }
        finally
        {
            // Disposing waits for every relayed connection to end, so a tunnel failure is recorded by then.
            await forwarder.DisposeAsync().ConfigureAwait(false);
        }
        return new VpsSshSessionResult(exitCode, arguments, forwarder.LastError);
    }

    private static async Task<int> RunSshAsync(string sshPath, IReadOnlyList<string> arguments, Func<string, ValueTask>? onOutputLine,
        CancellationToken ct)
    {
        var start = new ProcessStartInfo(sshPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = onOutputLine is not null,
        };
        if (onOutputLine is not null) start.StandardOutputEncoding = new UTF8Encoding(false);
        foreach (var a in arguments) start.ArgumentList.Add(a);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{sshPath} did not start");
        try
        {
            if (onOutputLine is not null)
            {
                while (await process.StandardOutput.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                    await onOutputLine(line).ConfigureAwait(false);
            }
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (!process.HasExited)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It ended between the check and the kill.
                }
                process.WaitForExit();
            }
        }
        return process.ExitCode;
    }
}
