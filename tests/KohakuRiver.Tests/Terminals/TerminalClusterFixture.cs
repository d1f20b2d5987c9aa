using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Docker;
using KohakuRiver.Tests.PowerShell.Runspaces;
using Xunit;

namespace KohakuRiver.Tests.Terminals;

/// <summary>
/// One real cluster with one running task (<c>sleep 600</c> in kohakuriver/busybox:base), and one real pwsh in a tmux
/// window of 120x40 that has imported the built module and reaches the cluster through $env:KOHAKURIVER_HOST and
/// $env:KOHAKURIVER_TOKEN: shared by the tests of a class, which run one after another.
/// </summary>
public sealed class TerminalClusterFixture : IAsyncLifetime
{
    public const int Cols = 120;
    public const int Rows = 40;
    private readonly DockerFixture _docker = new();
    private int _marker;

    public TestCluster Cluster { get; private set; } = null!;
    public Tmux Tmux { get; private set; } = null!;
    public long TaskId { get; private set; }
    public string Folder { get; } = Directory.CreateTempSubdirectory("kohakuriver-term-").FullName;

    /// <summary>Why the tests cannot run here (no Docker engine, no tmux or pwsh), or null.</summary>
    public string? Unavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        await _docker.InitializeAsync();
        if (!_docker.Available)
        {
            Unavailable = _docker.UnavailableReason;
            return;
        }
        if (Tmux.Binary is null || Tmux.Pwsh is null)
        {
            Unavailable = Tmux.Binary is null ? "tmux is not installed (run .ci/setup: apt-get install tmux)" : "pwsh is not installed (run .ci/setup, or set KOHAKURIVER_PWSH)";
            return;
        }
        Cluster = await TestCluster.StartAsync();
        var task = await Cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 600" });
        TaskId = task.TaskId;
        await Eventually.TrueAsync(async () => (await Cluster.Client.GetTaskAsync(TaskId)).Status == RiverTaskStatus.Running,
            TimeSpan.FromSeconds(60), $"task {TaskId} running");
        var env = new Dictionary<string, string>
        {
            ["KOHAKURIVER_HOST"] = Cluster.HostUri.ToString(),
            ["KOHAKURIVER_TOKEN"] = Cluster.HostSettings.ApiToken!,
            ["TERM"] = "xterm-256color",
        };
        _environment = env;
        await StartPwshAsync();
    }

    private Dictionary<string, string> _environment = [];

    private async Task StartPwshAsync()
    {
        var setup = $"Import-Module '{ModuleRunspace.ManifestPath.Replace("'", "''")}'; " +
                    "if (Get-Module PSReadLine) { Set-PSReadLineOption -PredictionSource None -BellStyle None }; 'STAR'+'TED'";
        Tmux = Tmux.Start(Cols, Rows, _environment, Tmux.Pwsh!, "-NoLogo", "-NoProfile", "-NoExit", "-Command", setup);
        await Tmux.WaitForAsync("STARTED", TimeSpan.FromSeconds(60));
    }

    /// <summary>Skips (or, under KOHAKURIVER_REQUIRE_DOCKER=1, fails) when the parts are missing.</summary>
    public void Require()
    {
        if (Unavailable is null) return;
        if (Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
            Assert.Fail($"{DockerFixture.RequireEnvironmentVariable}=1 but: {Unavailable}");
        Assert.Skip(Unavailable);
    }

    /// <summary>A text pwsh prints only when it runs a line: <c>'M'+'3'</c> typed, <c>M3</c> shown.</summary>
    public string NextMarker(string name, out string typed)
    {
        var n = Interlocked.Increment(ref _marker);
        typed = $"'{name}'+'{n}'";
        return name + n;
    }

    /// <summary>Back at the pwsh prompt with an empty line, whatever the previous test left: a remote session is
    /// detached (Ctrl+]), a half-typed line dropped (Ctrl+C at the prompt).</summary>
    public async Task AtPromptAsync()
    {
        Tmux.Press("C-]");
        Tmux.Press("C-c");
        Tmux.Resize(Cols, Rows);
        Tmux.ClearHistory();
        // One line, waited for: keys typed while pwsh still runs a command are typeahead that PSReadLine keeps reading,
        // and would take from the next session.
        var marker = NextMarker("PROMPT", out var typed);
        Tmux.Line("Clear-Host; " + typed);
        try
        {
            await Tmux.WaitForAsync(s => s.Contains(marker, StringComparison.Ordinal), $"the pwsh prompt ({marker})", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // This test fails with the screen that shows why; the next ones get a fresh pwsh instead of the same
            // stuck one.
            Tmux.Dispose();
            await StartPwshAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Tmux?.Dispose();
        if (Cluster is not null) await Cluster.DisposeAsync();
        await _docker.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
