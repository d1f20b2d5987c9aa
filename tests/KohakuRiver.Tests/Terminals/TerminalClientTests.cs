using System.Net;
using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Terminals;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Core;
using Xunit;

namespace KohakuRiver.Tests.Terminals;

/// <summary>The terminal client against a loopback WebSocket server speaking the contract's JSON: refusals with the
/// host's detail, UTF-8 kept whole at read and message edges, and how a session ends and what it leaves behind.</summary>
public sealed class TerminalClientTests : IAsyncLifetime
{
    private FakeTerminalServer _server = null!;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public async ValueTask InitializeAsync() => _server = await FakeTerminalServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(404, HttpStatusCode.NotFound, "task 404 not found", "RiverTaskNotFound")]
    [InlineData(409, HttpStatusCode.Conflict, "task 409 is completed", "RiverTaskStateConflict")]
    [InlineData(503, HttpStatusCode.ServiceUnavailable, "node n1 is offline", RiverErrorMapper.HostUnavailable)]
    public async Task A_refused_upgrade_is_an_api_exception_with_the_hosts_status_and_detail(long id, HttpStatusCode status, string detail, string errorId)
    {
        using var client = _server.Client();
        var e = await Assert.ThrowsAsync<RiverApiException>(() => client.OpenTaskTerminalAsync(id));
        Assert.Equal(status, e.StatusCode);
        Assert.Equal(detail, e.Detail);
        Assert.StartsWith(errorId, RiverErrorMapper.Describe(e).ErrorId);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_as_unauthorized_and_no_socket_opens()
    {
        using var client = _server.Client("wrong");
        var e = await Assert.ThrowsAsync<RiverApiException>(() => client.OpenTaskTerminalAsync(5));
        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Equal("missing or invalid bearer token", e.Detail);
        Assert.Equal(RiverErrorMapper.Unauthorized, RiverErrorMapper.Describe(e).ErrorId);
        Assert.Empty(_server.Queries);
    }

    [Fact]
    public async Task Nothing_listening_is_a_connection_error_without_a_status()
    {
        using var client = new RiverClient(new Uri("http://127.0.0.1:" + ClosedPort()), "t");
        var e = await Assert.ThrowsAsync<RiverApiException>(() => client.OpenTaskTerminalAsync(5));
        Assert.Null(e.StatusCode);
        Assert.Equal(RiverErrorKind.Connection, e.Kind);
    }

    [Fact]
    public void The_socket_address_swaps_the_scheme_keeps_a_path_prefix_and_escapes_the_command()
    {
        var u = TerminalConnection.BuildUri(new Uri("https://river.example/base/"), "ws/task/7/terminal", "echo a&b=c", new TerminalSize(40, 120));
        Assert.Equal("wss", u.Scheme);
        Assert.Equal("/base/ws/task/7/terminal", u.AbsolutePath);
        Assert.Equal("?command=echo%20a%26b%3Dc&rows=40&cols=120", u.Query);
        Assert.Equal("ws://h:8000/ws/docker/host/containers/py/terminal",
            TerminalConnection.BuildUri(new Uri("http://h:8000"), "ws/docker/host/containers/py/terminal", null, new TerminalSize(0, 5)).ToString());
    }

    [Fact]
    public async Task Keyboard_bytes_split_inside_a_character_are_sent_whole()
    {
        using var client = _server.Client();
        await using var c = await client.OpenTaskTerminalAsync(5, "bash -l", new TerminalSize(30, 100));
        var text = string.Concat(Enumerable.Repeat("é漢🙂", 50));
        foreach (var b in Encoding.UTF8.GetBytes(text)) await c.SendInputAsync(new[] { b });
        await Eventually.TrueAsync(() => _server.InputText.Length >= text.Length, Deadline, "every character at the server");
        Assert.Equal(text, _server.InputText);
        Assert.DoesNotContain(_server.Received, r => r.Message.Data?.Contains('\uFFFD') == true);
        Assert.Equal("?command=bash%20-l&rows=30&cols=100", _server.Queries.Single());
    }

    [Fact]
    public async Task Typed_text_comes_back_and_an_exit_message_ends_the_session_with_its_code()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type("héllo\r");
        await Eventually.TrueAsync(() => console.Screen.Contains("héllo"), Deadline, "the echo on the screen");
        console.Type("exit 3\r");
        var result = await run.WaitAsync(Deadline);
        Assert.Equal(TerminalEnding.Exited, result.Ending);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(3, result.LastExitCode);
        AssertRestoredOnce(console);
        Assert.Equal("?rows=40&cols=120", _server.Queries.Single());
    }

    [Fact]
    public async Task The_detach_key_sends_what_came_before_it_and_nothing_after_then_closes()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type(Encoding.UTF8.GetBytes("ab").Append(InteractiveTerminal.DetachKey).Concat(Encoding.UTF8.GetBytes("cd")).ToArray());
        var result = await run.WaitAsync(Deadline);
        Assert.Equal(TerminalEnding.Detached, result.Ending);
        Assert.Null(result.ExitCode);
        Assert.Equal(TerminalSessionResult.NoExitCode, result.LastExitCode);
        await Eventually.TrueAsync(() => _server.Endings.Contains("closed by client"), Deadline, "the server to see a normal close");
        Assert.Equal("ab", _server.InputText);
        AssertRestoredOnce(console);
    }

    [Fact]
    public async Task Ctrl_C_is_just_a_byte_for_the_remote_side()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type(0x03);
        await Eventually.TrueAsync(() => _server.InputText == "\u0003", Deadline, "Ctrl+C at the server");
        Assert.False(run.IsCompleted);
        console.Type("exit 0\r");
        Assert.Equal(0, (await run.WaitAsync(Deadline)).ExitCode);
    }

    [Fact]
    public async Task A_dropped_connection_ends_without_an_exit_code_and_restores_the_terminal()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type("drop\r");
        var result = await run.WaitAsync(Deadline);
        Assert.Equal(TerminalEnding.ConnectionLost, result.Ending);
        Assert.Equal(-1, result.LastExitCode);
        Assert.False(string.IsNullOrEmpty(result.Reason));
        AssertRestoredOnce(console);
    }

    [Fact]
    public async Task A_normal_close_without_an_exit_message_is_a_lost_session_with_the_servers_reason()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type("close\r");
        var result = await run.WaitAsync(Deadline);
        Assert.Equal(TerminalEnding.ConnectionLost, result.Ending);
        Assert.Contains("container gone", result.Reason);
        AssertRestoredOnce(console);
    }

    [Fact]
    public async Task Cancelling_stops_the_session_and_restores_the_terminal()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        using var cts = new CancellationTokenSource();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console, cts.Token);
        await Eventually.TrueAsync(() => console.Reading, Deadline, "the keyboard reader to start");
        await cts.CancelAsync();
        var result = await run.WaitAsync(Deadline);
        Assert.Equal(TerminalEnding.Stopped, result.Ending);
        AssertRestoredOnce(console);
    }

    [Fact]
    public async Task An_exception_while_writing_output_still_restores_the_terminal()
    {
        var console = new FakeConsole { FailNextWrite = new IOException("the screen went away") };
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type("x");
        var e = await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(Deadline));
        Assert.Equal("the screen went away", e.Message);
        AssertRestoredOnce(console);
    }

    [Fact]
    public async Task End_of_input_closes_the_session()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.EndInput();
        Assert.Equal(TerminalEnding.InputEnded, (await run.WaitAsync(Deadline)).Ending);
        AssertRestoredOnce(console);
    }

    [Fact]
    public async Task A_resize_reaches_the_server_once_per_change()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Resize(50, 90);
        await Eventually.TrueAsync(() => console.Screen.Contains("resized 50x90"), Deadline, "the resize at the server");
        // The poll sees the same size again and sends nothing more; a size changed without a signal is found by the poll.
        console.Size = new TerminalSize(24, 80);
        await Eventually.TrueAsync(() => console.Screen.Contains("resized 24x80"), Deadline, "the polled resize at the server");
        console.Type("exit 0\r");
        await run.WaitAsync(Deadline);
        Assert.Equal(2, _server.Received.Count(r => r.Message.Type == TerminalMessage.Resize));
    }

    [Fact]
    public async Task Unreadable_and_unknown_messages_do_not_end_the_session_and_errors_are_shown()
    {
        var console = new FakeConsole();
        using var client = _server.Client();
        var run = InteractiveTerminal.ConnectAndRunAsync((size, ct) => client.OpenTaskTerminalAsync(5, null, size, ct), console);
        console.Type("garble\rsay no such thing\r");
        await Eventually.TrueAsync(() => console.Screen.Contains("no such thing"), Deadline, "the error line");
        Assert.Contains("[🙂]", console.Screen);
        Assert.DoesNotContain('\uFFFD', console.Screen);
        console.Type("exit 0\r");
        var result = await run.WaitAsync(Deadline);
        Assert.Equal(2, result.Errors.Count);
        Assert.StartsWith("an unreadable message from the server", result.Errors[0]);
        Assert.Equal("no such thing", result.Errors[1]);
    }

    [Fact]
    public async Task An_environment_terminal_uses_the_environment_path_and_checks_the_name_first()
    {
        using var client = _server.Client();
        await using (var c = await client.OpenEnvironmentTerminalAsync("py312"))
        {
            await c.SendTextAsync("x");
            await Eventually.TrueAsync(() => _server.Received.Any(), Deadline, "input at the server");
        }
        Assert.Equal("/ws/docker/host/containers/py312/terminal", _server.Received.Single().Path);
        await Assert.ThrowsAsync<FormatException>(() => client.OpenEnvironmentTerminalAsync("Bad Name"));
    }

    [Fact]
    public async Task A_task_command_posts_the_environment_request_and_a_504_is_a_timeout()
    {
        var host = new FakeHost()
            .On("POST /api/tasks/7/exec", r => FakeHost.Json(new EnvironmentExecResult { ExitCode = 2, Stdout = "o", Stderr = "e\nlast" }, RiverJsonContext.Default.EnvironmentExecResult))
            .On("POST /api/tasks/8/exec", _ => FakeHost.Error(HttpStatusCode.GatewayTimeout, "the command ran past 5 s"));
        using var client = host.Client();
        var result = await TaskCommand.InvokeAsync(client, 7, EnvironmentCommand.BuildRequest(null, ["ls", "-l"], 5));
        Assert.Equal((7L, "ls -l", 2, "o", "e\nlast"), (result.TaskId, result.CommandLine, result.ExitCode, result.Stdout, result.Stderr));
        var sent = FakeHost.Read(host.Requests.Single(), RiverJsonContext.Default.EnvironmentExecRequest);
        Assert.Equal(["ls", "-l"], sent.Arguments!);
        Assert.Equal(5, sent.TimeoutSeconds);
        Assert.Equal("'ls -l' in task 7 exited with 2: last", new TaskCommandFailedException(result).Message);
        Assert.Equal(RiverErrorMapper.TaskCommandFailed, RiverErrorMapper.Describe(new TaskCommandFailedException(result)).ErrorId);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => TaskCommand.InvokeAsync(client, 8, EnvironmentCommand.BuildRequest("sleep 9", null, 5)));
        Assert.Equal("the command ran past 5 s", timeout.Message);
    }

    [Fact]
    public void Terminal_failures_have_their_own_error_ids()
    {
        var unavailable = RiverErrorMapper.Describe(new TerminalUnavailableException("stdin is redirected"));
        Assert.Equal(RiverErrorMapper.TerminalUnavailable, unavailable.ErrorId);
        Assert.True(unavailable.StopsCommand);
        var lost = RiverErrorMapper.Describe(new TerminalConnectionLostException("gone"));
        Assert.Equal((RiverErrorMapper.TerminalConnectionLost, RiverErrorCategory.ConnectionError), (lost.ErrorId, lost.Category));
    }

    private static void AssertRestoredOnce(FakeConsole console)
    {
        Assert.Equal(1, console.RawEntered);
        Assert.Equal(1, console.RawRestored);
        Assert.False(console.ReadingAtRestore, "the keyboard reader had stopped before the terminal was restored");
    }

    private static int ClosedPort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
