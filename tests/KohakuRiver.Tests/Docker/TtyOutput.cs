using System.Text;
using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Tests.Docker;

/// <summary>Reads a terminal exec's output in the background into one growing buffer, for tests to wait on.</summary>
internal sealed class TtyOutput
{
    private readonly MemoryStream _bytes = new();
    private readonly Task _pump;

    public TtyOutput(ITtyExec exec) => _pump = PumpAsync(exec);

    /// <summary>True once the exec's stream has ended.</summary>
    public bool Ended => _pump.IsCompleted;

    /// <summary>Everything read so far, decoded at once (so characters are never split).</summary>
    public string Text
    {
        get
        {
            lock (_bytes) return Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
        }
    }

    public byte[] Bytes
    {
        get
        {
            lock (_bytes) return _bytes.ToArray();
        }
    }

    private async Task PumpAsync(ITtyExec exec)
    {
        var buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await exec.ReadAsync(buffer);
            }
            catch (IOException)
            {
                return;
            }
            if (n == 0) return;
            lock (_bytes) _bytes.Write(buffer, 0, n);
        }
    }

    /// <summary>Waits until the output contains <paramref name="expected"/>; fails with what was seen.</summary>
    public async Task WaitForAsync(string expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!Text.Contains(expected, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"the terminal never showed '{expected}'; it showed: '{Text}'");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the exec's stream has ended; fails with what was seen.</summary>
    public async Task WaitEndedAsync(TimeSpan? timeout = null)
    {
        var finished = await Task.WhenAny(_pump, Task.Delay(timeout ?? TimeSpan.FromSeconds(10)));
        if (finished != _pump) throw new Xunit.Sdk.XunitException($"the terminal's stream did not end; it showed: '{Text}'");
    }
}
