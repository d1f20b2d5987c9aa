using System.Net.WebSockets;
using System.Text;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Access;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KohakuRiver.Tests.Access;

/// <summary>The terminal bridge's messages and text handling, over a real WebSocket and an exec in memory.</summary>
public sealed class TerminalBridgeTests : IAsyncLifetime
{
    private WebSocketPair _pair = null!;
    private readonly FakeTtyExec _exec = new();
    private Task<int?> _session = null!;
    private TerminalClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _pair = await WebSocketPair.OpenAsync();
        _client = new TerminalClient(_pair.Client);
        _session = new TerminalBridge(_pair.Server, _exec, NullLogger.Instance).RunAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _pair.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<int?> SessionEndAsync()
    {
        var done = await Task.WhenAny(_session, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(done == _session, "the session did not end");
        return await _session;
    }

    private async Task WaitTypedAsync(string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Encoding.UTF8.GetString(_exec.Typed) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the exec got '{Encoding.UTF8.GetString(_exec.Typed)}', not '{expected}'");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Characters_split_across_reads_come_out_whole()
    {
        var text = Encoding.UTF8.GetBytes("héllo €😀");
        // Every character past the first split mid-sequence: é after its first byte, € after two, 😀 after three.
        _exec.Show(text[..2]);
        _exec.Show(text[2..9]);
        _exec.Show(text[9..12]);
        _exec.Show(text[12..]);
        _exec.End(0);

        var shown = new StringBuilder();
        while (await _client.ReceiveAsync() is { } message)
        {
            if (message.Type == TerminalMessage.Exit) break;
            Assert.Equal(TerminalMessage.Output, message.Type);
            Assert.DoesNotContain('\uFFFD', message.Data ?? "");
            shown.Append(message.Data);
        }
        Assert.Equal("héllo €😀", shown.ToString());
    }

    [Fact]
    public async Task An_incomplete_character_at_the_end_is_flushed_as_a_replacement()
    {
        _exec.Show(0x61, 0xE2, 0x82);
        _exec.End(0);
        var output = await _client.ExpectAsync(TerminalMessage.Output);
        Assert.Equal("a", output.Data);
        var flushed = await _client.ExpectAsync(TerminalMessage.Output);
        Assert.Equal("\uFFFD", flushed.Data);
    }

    [Fact]
    public async Task A_full_read_of_control_characters_stays_within_the_message_limit()
    {
        // The worst case for JSON: every byte escaped as \u001b, six bytes each.
        _exec.Show(Enumerable.Repeat((byte)0x1b, 8 * 1024).ToArray());
        var buffer = new byte[256 * 1024];
        var filled = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await _pair.Client.ReceiveAsync(buffer.AsMemory(filled), TestContext.Current.CancellationToken);
            filled += result.Count;
        } while (!result.EndOfMessage);
        Assert.InRange(filled, 6 * 8 * 1024, TerminalMessage.MaxMessageBytes);
    }

    [Fact]
    public async Task Input_is_typed_as_UTF8()
    {
        await _client.SendAsync(new TerminalMessage { Type = TerminalMessage.Input, Data = "echo héllo 😀\r" });
        await WaitTypedAsync("echo héllo 😀\r");
    }

    [Fact]
    public async Task The_end_of_the_shell_sends_its_exit_code_then_a_normal_close()
    {
        _exec.Show("bye\r\n"u8.ToArray());
        _exec.End(7);

        Assert.Equal("bye\r\n", (await _client.ExpectAsync(TerminalMessage.Output)).Data);
        var exit = await _client.ReceiveAsync();
        Assert.Equal(TerminalMessage.Exit, exit?.Type);
        Assert.Equal(7, exit!.ExitCode);
        Assert.Null(await _client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, _pair.Client.CloseStatus);
        await _pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", TestContext.Current.CancellationToken);

        Assert.Equal(7, await SessionEndAsync());
        Assert.True(_exec.Disposed, "the exec was not disposed");
    }

    [Fact]
    public async Task The_exit_message_has_only_its_type_and_code()
    {
        _exec.End(3);
        var buffer = new byte[1024];
        var result = await _pair.Client.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal("""{"type":"exit","exit_code":3}""", Encoding.UTF8.GetString(buffer, 0, result.Count));
    }

    [Fact]
    public async Task A_resize_reaches_the_exec_and_a_bad_one_is_an_error_the_session_survives()
    {
        await _client.SendAsync(new TerminalMessage { Type = TerminalMessage.Resize, Rows = 0, Cols = 80 });
        var error = await _client.ExpectAsync(TerminalMessage.Error);
        Assert.Contains("rows must be from 1 to 1000, got 0", error.Data);
        await _client.SendRawAsync("""{"type":"resize","rows":30}""");
        Assert.Contains("cols must be from 1 to 1000, got nothing", (await _client.ExpectAsync(TerminalMessage.Error)).Data);

        await _client.SendAsync(new TerminalMessage { Type = TerminalMessage.Resize, Rows = 30, Cols = 1000 });
        await _client.SendAsync(new TerminalMessage { Type = TerminalMessage.Input, Data = "x" });
        await WaitTypedAsync("x");
        Assert.Equal([(30, 1000)], _exec.Resizes);
    }

    [Theory]
    [InlineData("{not json", "message is not valid JSON")]
    [InlineData("null", "unknown message type ''")]
    [InlineData("""{"type":"paste","data":"x"}""", "unknown message type 'paste': send 'input' or 'resize'")]
    [InlineData("""{"type":"input"}""", "an input message needs data")]
    [InlineData("""{"type":"resize","rows":"many","cols":80}""", "message is not valid JSON")]
    public async Task A_bad_message_is_answered_with_an_error_and_the_session_goes_on(string sent, string expected)
    {
        await _client.SendRawAsync(sent);
        var error = await _client.ExpectAsync(TerminalMessage.Error);
        Assert.Contains(expected, error.Data);

        await _client.SendAsync(new TerminalMessage { Type = TerminalMessage.Input, Data = "still here" });
        await WaitTypedAsync("still here");
    }

    [Fact]
    public async Task A_binary_message_is_an_error()
    {
        await _pair.Client.SendAsync(new byte[] { 1, 2 }, WebSocketMessageType.Binary, true, TestContext.Current.CancellationToken);
        Assert.Contains("binary messages are not understood", (await _client.ExpectAsync(TerminalMessage.Error)).Data);
    }

    [Fact]
    public async Task A_message_of_exactly_the_limit_is_taken()
    {
        const string head = """{"type":"input","data":" """;
        var data = new string('a', TerminalMessage.MaxMessageBytes - (head.Length - 1) - 2);
        var json = head[..^1] + data + "\"}";
        Assert.Equal(TerminalMessage.MaxMessageBytes, Encoding.UTF8.GetByteCount(json));
        await _client.SendRawAsync(json);
        await WaitTypedAsync(data);
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_with_1009_and_hangs_up()
    {
        var json = """{"type":"input","data":" """[..^1] + new string('a', TerminalMessage.MaxMessageBytes) + "\"}";
        await _client.SendRawAsync(json);

        Assert.Null(await _client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, _pair.Client.CloseStatus);
        Assert.Null(await SessionEndAsync());
        Assert.Equal(1, _exec.HangUps);
        Assert.True(_exec.Disposed, "the exec was not disposed");
        Assert.Empty(_exec.Typed);
    }

    [Fact]
    public async Task The_client_closing_hangs_up_the_shell_and_frees_it()
    {
        await _pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", TestContext.Current.CancellationToken);

        Assert.Null(await SessionEndAsync());
        Assert.Equal(1, _exec.HangUps);
        Assert.True(_exec.Disposed, "the exec was not disposed");
        Assert.Null(await _client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, _pair.Client.CloseStatus);
    }

    [Fact]
    public async Task The_client_vanishing_hangs_up_the_shell()
    {
        _pair.Client.Abort();
        _pair.Dispose();

        Assert.Null(await SessionEndAsync());
        Assert.Equal(1, _exec.HangUps);
        Assert.True(_exec.Disposed, "the exec was not disposed");
    }
}
