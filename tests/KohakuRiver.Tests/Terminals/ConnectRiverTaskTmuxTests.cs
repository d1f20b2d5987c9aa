using System.Diagnostics;
using System.Text;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Tests.PowerShell.Runspaces;
using Xunit;

namespace KohakuRiver.Tests.Terminals;

/// <summary>
/// Connect-RiverTask as a user meets it: a real pwsh in a tmux window, the built module, a real host and runner, a
/// busybox container. Keys go in through tmux, the screen (and the bytes pwsh wrote to its terminal) come back.
/// The remote commands are typed so that what they print differs from what was typed (<c>echo in-$((40+2))</c> prints
/// in-42), so a match on the screen is the command's output, never its echo.
/// </summary>
public sealed class ConnectRiverTaskTmuxTests(TerminalClusterFixture f) : IClassFixture<TerminalClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Starts Connect-RiverTask and waits for the remote shell to answer; afterwards pwsh prints
    /// "after=$LASTEXITCODE" (typed so that the text only appears when that line runs).</summary>
    private async Task ConnectAsync(string extra = "")
    {
        await f.AtPromptAsync();
        f.Tmux.Line($"Connect-RiverTask {f.TaskId}{extra}; \"aft\"+\"er=$LASTEXITCODE\"");
        // Keys typed before the session has started would be read by PSReadLine (typeahead for the next prompt), as
        // they would for any native command: wait for the remote prompt (busybox sh as root: "# ") first.
        await f.Tmux.WaitForAsync(s => s.IndexOf("Connect-RiverTask", StringComparison.Ordinal) is var at and >= 0 &&
                                       s.IndexOf("# ", at, StringComparison.Ordinal) > 0, "the remote prompt", Deadline);
        // Only the container's busybox sh can run this: pwsh cannot parse '[ -f'.
        f.Tmux.Line("[ -f /bin/busybox ] && echo \"in-$((40+2))\"");
        await f.Tmux.WaitForAsync("in-42", Deadline);
    }

    [Fact]
    public async Task A_typed_command_runs_in_the_container_and_exit_returns_its_code_in_LASTEXITCODE()
    {
        f.Require();
        await ConnectAsync();
        // What is awaited must not be in the typed line itself, or its echo would satisfy the wait.
        f.Tmux.Line("cat /proc/1/cmdline | tr '\\0' ' ' | sed 's/^/pid''1=/'");
        await f.Tmux.WaitForAsync("sleep 600", Deadline);
        Assert.Contains("pid1=", f.Tmux.Screen());
        f.Tmux.Line("exit 3");
        await f.Tmux.WaitForAsync("after=3", Deadline);
        f.Tmux.Line("\"la\"+\"st=$LASTEXITCODE\"");
        await f.Tmux.WaitForAsync("last=3", Deadline);
    }

    [Fact]
    public async Task Stty_size_inside_follows_the_tmux_window()
    {
        f.Require();
        await ConnectAsync();
        f.Tmux.Line("echo \"sz=$(stty size)\"");
        await f.Tmux.WaitForAsync($"sz={TerminalClusterFixture.Rows} {TerminalClusterFixture.Cols}", Deadline);
        f.Tmux.Resize(100, 30);
        // The resize travels as SIGWINCH → resize message → the exec's TTY; ask again until it has arrived.
        var deadline = DateTime.UtcNow + Deadline;
        while (!f.Tmux.Screen().Contains("sz=30 100", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "stty size inside never said 30 100; the screen:\n" + f.Tmux.Screen());
            f.Tmux.Line("echo \"sz=$(stty size)\"");
            await Task.Delay(200);
        }
        f.Tmux.Resize(TerminalClusterFixture.Cols, TerminalClusterFixture.Rows);
        f.Tmux.Line("exit 0");
        await f.Tmux.WaitForAsync("after=0", Deadline);
    }

    [Fact]
    public async Task Ten_thousand_multi_byte_characters_arrive_intact()
    {
        f.Require();
        var record = Path.Combine(f.Folder, "pane-" + Guid.NewGuid().ToString("N") + ".bin");
        await ConnectAsync();
        f.Tmux.Record(record);
        // 'é漢🙂x' (2, 3 and 4 UTF-8 bytes, then one) written 2,500 times: 10,000 characters, 25,000 bytes, in as many
        // reads and frames as the exec makes of them; typed as octal escapes so that only the output has them.
        f.Tmux.Line("i=0; printf 'BE''GIN'; while [ $i -lt 2500 ]; do printf '\\303\\251\\346\\274\\242\\360\\237\\231\\202x'; i=$((i+1)); done; printf 'E''ND\\n'");
        await f.Tmux.WaitForAsync(s => s.Contains("END", StringComparison.Ordinal) && s.Contains("BEGIN", StringComparison.Ordinal), "BEGIN…END", Deadline);
        f.Tmux.Line("exit 0");
        await f.Tmux.WaitForAsync("after=0", Deadline);
        f.Tmux.StopRecording();

        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(await File.ReadAllBytesAsync(record));
        var start = text.IndexOf("BEGIN", StringComparison.Ordinal) + "BEGIN".Length;
        var end = text.IndexOf("END", start, StringComparison.Ordinal);
        Assert.True(start >= "BEGIN".Length && end > start, "BEGIN…END in what pwsh wrote:\n" + text);
        var got = text[start..end];
        var expected = string.Concat(Enumerable.Repeat("é漢🙂x", 2500));
        Assert.Equal(10_000, expected.EnumerateRunes().Count());
        Assert.True(expected == got, $"the {got.Length} chars between the markers differ from the {expected.Length} sent; first difference at " +
                                     Enumerable.Range(0, Math.Min(got.Length, expected.Length)).FirstOrDefault(i => got[i] != expected[i], -1));
        Assert.DoesNotContain('\uFFFD', f.Tmux.Screen());
    }

    [Fact]
    public async Task Ctrl_C_interrupts_a_remote_sleep_and_not_the_client()
    {
        f.Require();
        await ConnectAsync();
        f.Tmux.Line("echo sl''eeping; sleep 100");
        await f.Tmux.WaitForAsync("sleeping\n", Deadline);
        var watch = Stopwatch.StartNew();
        f.Tmux.Press("C-c");
        // $? is 130 only when sleep died of SIGINT; the shell that prints it is still the remote one.
        f.Tmux.Line("echo \"alive-$?\"");
        // "sleeping" is printed just before sleep starts: a Ctrl+C in between reaches the shell, not sleep, so it is
        // pressed again until sleep has died of one (the typed echo waits in the TTY meanwhile). Without Ctrl+C
        // passing through, alive-130 never comes.
        var again = TimeSpan.FromSeconds(3);
        while (!f.Tmux.Screen().Contains("alive-130", StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < Deadline, "Ctrl+C never interrupted the remote sleep; the screen:\n" + f.Tmux.Screen());
            await Task.Delay(200);
            if (watch.Elapsed < again) continue;
            f.Tmux.Press("C-c");
            again += TimeSpan.FromSeconds(3);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the sleep ended after {watch.Elapsed}, not at Ctrl+C");
        f.Tmux.Line("[ -f /bin/busybox ] && echo \"still-$((1+1))\"");
        await f.Tmux.WaitForAsync("still-2", Deadline);
        f.Tmux.Line("exit 0");
        await f.Tmux.WaitForAsync("after=0", Deadline);
    }

    [Fact]
    public async Task The_detach_key_returns_to_pwsh_with_LASTEXITCODE_minus_one()
    {
        f.Require();
        await ConnectAsync();
        f.Tmux.Press("C-]");
        await f.Tmux.WaitForAsync("after=-1", Deadline);
    }

    /// <summary>How a session is ended from the keyboard, and the $LASTEXITCODE that leaves.</summary>
    public static TheoryData<string, string> Endings => new()
    {
        { "exit", "7" },      // the remote shell exits with its code
        { "detach", "-1" },   // Ctrl+]
        { "ctrl-c", "130" },  // Ctrl+C kills the remote sh -c (SIGINT), not the client
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task The_terminal_settings_are_raw_during_the_session_and_restored_after(string ending, string code)
    {
        f.Require();
        await f.AtPromptAsync();
        var go = Path.Combine(f.Folder, Guid.NewGuid().ToString("N"));
        var done = go + ".done";
        // pwsh waits on files (not the keyboard) before and after the session, so the settings read from outside the
        // pane are the ones the session found and the ones it left.
        f.Tmux.Line($"'WAI'+'TING'; while (-not (Test-Path '{go}')) {{ Start-Sleep -Milliseconds 20 }}; " +
                    $"Connect-RiverTask {f.TaskId} -Command 'echo RE\"\"ADY; read x; exit 7'; \"co\"+\"de=$LASTEXITCODE.\"; " +
                    $"while (-not (Test-Path '{done}')) {{ Start-Sleep -Milliseconds 20 }}; 'FINI'+'SHED'");
        await f.Tmux.WaitForAsync("WAITING", Deadline);
        var before = f.Tmux.SttySettings();
        File.WriteAllText(go, "");
        await f.Tmux.WaitForAsync("READY", Deadline);
        var during = f.Tmux.SttySettings();
        switch (ending)
        {
            case "exit":
                f.Tmux.Line("q");
                break;
            case "detach":
                f.Tmux.Press("C-]");
                break;
            default:
                f.Tmux.Press("C-c");
                break;
        }
        await f.Tmux.WaitForAsync($"code={code}.", Deadline);
        var after = f.Tmux.SttySettings();
        File.WriteAllText(done, "");
        await f.Tmux.WaitForAsync("FINISHED", Deadline);
        Assert.NotEqual(before, during);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Enter_RiverEnvironment_opens_a_terminal_in_the_environment_container_on_the_host()
    {
        f.Require();
        var env = "t" + Guid.NewGuid().ToString("N")[..10];
        await f.Cluster.Client.NewEnvironmentAsync(env, KohakuRiver.Tests.Docker.DockerFixture.BusyboxImage);
        try
        {
            await f.AtPromptAsync();
            f.Tmux.Line($"Enter-RiverEnvironment -Name {env} -Command 'echo \"env-$((1+1))-$(hostname)\" > /made-here; cat /made-here; exit 4'; \"co\"+\"de=$LASTEXITCODE\"");
            await f.Tmux.WaitForAsync("env-2-", Deadline);
            await f.Tmux.WaitForAsync("code=4", Deadline);
            // It ran in that container: the file is there for a one-shot command too.
            var made = await EnvironmentCommand.InvokeAsync(f.Cluster.Client, env, EnvironmentCommand.BuildRequest("cat /made-here", null, 30));
            Assert.StartsWith("env-2-", made.Stdout);
        }
        finally
        {
            await f.Cluster.Client.RemoveEnvironmentContainerAsync(env);
        }
    }

    [Fact]
    public async Task Refusals_are_errors_with_ids_and_a_command_without_a_terminal_is_Invoke_RiverTaskCommand()
    {
        f.Require();
        await f.AtPromptAsync();
        // Both bind a piped object's TaskId.
        f.Tmux.Line("try { [pscustomobject]@{ TaskId = 424242 } | Connect-RiverTask -ErrorAction Stop } catch { 'i'+'d=' + $_.FullyQualifiedErrorId + '|' + $_.Exception.Message }; " +
                    $"$r = [pscustomobject]@{{ TaskId = {f.TaskId} }} | Invoke-RiverTaskCommand 'echo o; echo e >&2; exit 4' -ErrorVariable bad -ErrorAction SilentlyContinue; " +
                    "'ex'+'ec=' + $r.ExitCode + '|' + $r.Stdout.Trim() + '|' + $r.Stderr.Trim() + '|' + $bad[0].FullyQualifiedErrorId");
        await f.Tmux.WaitForAsync("id=RiverTaskNotFound,KohakuRiver.PowerShell.Commands.ConnectRiverTaskCommand|", Deadline);
        await f.Tmux.WaitForAsync("exec=4|o|e|RiverTaskCommandFailed,KohakuRiver.PowerShell.Commands.InvokeRiverTaskCommandCommand", Deadline);
        Assert.Contains("task 424242 not found", f.Tmux.Screen());
    }

    [Fact]
    public async Task Redirected_standard_input_is_refused_with_a_reason()
    {
        f.Require();
        var psi = new ProcessStartInfo(Tmux.Pwsh!)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-Command",
                     $"Import-Module '{ModuleRunspace.ManifestPath}'; try {{ Connect-RiverTask {f.TaskId} -ErrorAction Stop }} catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message }}; \"code=$LASTEXITCODE\"" })
            psi.ArgumentList.Add(a);
        psi.Environment["KOHAKURIVER_HOST"] = f.Cluster.HostUri.ToString();
        psi.Environment["KOHAKURIVER_TOKEN"] = f.Cluster.HostSettings.ApiToken;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Contains("RiverTerminalUnavailable,KohakuRiver.PowerShell.Commands.ConnectRiverTaskCommand", output);
        Assert.Contains("standard input is not a terminal", output);
        // The session never opened: $LASTEXITCODE is left alone.
        Assert.Contains("code=", output);
        Assert.DoesNotContain("code=-1", output);
    }

    [Fact]
    public async Task The_hosts_refusals_reach_the_Core_client_with_their_status_and_detail()
    {
        f.Require();
        var finished = await f.Cluster.RunAsync(new KohakuRiver.Core.Wire.SubmitRequest { Command = "true" });
        var conflict = await Assert.ThrowsAsync<KohakuRiver.Core.Client.RiverApiException>(() => f.Cluster.Client.OpenTaskTerminalAsync(finished.TaskId));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.StartsWith($"task {finished.TaskId} is completed", conflict.Detail);
        using var wrong = new KohakuRiver.Core.Client.RiverClient(f.Cluster.HostUri, "wrong-token");
        var refused = await Assert.ThrowsAsync<KohakuRiver.Core.Client.RiverApiException>(() => wrong.OpenTaskTerminalAsync(f.TaskId));
        Assert.Equal(KohakuRiver.Core.Client.RiverErrorKind.Unauthorized, refused.Kind);
        var missing = await Assert.ThrowsAsync<KohakuRiver.Core.Client.RiverApiException>(() => f.Cluster.Client.OpenEnvironmentTerminalAsync("nosuchenv"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Task_commands_return_exit_code_and_both_streams_through_Core()
    {
        f.Require();
        var r = await TaskCommand.InvokeAsync(f.Cluster.Client, f.TaskId, EnvironmentCommand.BuildRequest(null, ["sh", "-c", "printf 'é漢🙂'; echo bad >&2; exit 5"], 30));
        Assert.Equal((5, "é漢🙂", "bad\n"), (r.ExitCode, r.Stdout, r.Stderr));
    }
}
