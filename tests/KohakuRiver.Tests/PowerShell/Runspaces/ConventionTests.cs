using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>The conventions pwsh users expect: a SecureString token, native-style stderr, progress, and -Verbose
/// that says which host was called with what.</summary>
[Collection(RunspaceCollection.Name)]
public sealed class ConventionTests(RunspaceHost cluster)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private Dictionary<string, object?> Vars(params (string Name, object? Value)[] extra)
    {
        var vars = new Dictionary<string, object?> { ["uri"] = cluster.Host.Uri.ToString(), ["token"] = cluster.Host.Token };
        foreach (var (name, value) in extra) vars[name] = value;
        return vars;
    }

    private const string Secure = "(ConvertTo-SecureString $token -AsPlainText -Force)";

    // ---- -Token as a SecureString ----

    [Fact]
    public void A_SecureString_token_connects()
    {
        using var ps = new ModuleRunspace();
        var run = ps.Run($"Connect-RiverCluster -Uri $uri -Token {Secure}; Get-RiverHealth", Vars()).ShouldSucceed();
        Assert.Equal(2, run.Output.Count);
        Assert.Equal(1, Convert.ToInt32(run.Output[1].Properties["OnlineNodes"].Value));
    }

    [Fact]
    public void A_plain_string_token_is_refused_by_the_binder_without_repeating_it()
    {
        using var ps = new ModuleRunspace();
        var run = ps.Run("Connect-RiverCluster -Uri $uri -Token $token", Vars());
        var error = run.Terminated?.ErrorRecord ?? run.Errors.Single();
        Assert.StartsWith("ParameterArgumentTransformationError,", error.FullyQualifiedErrorId);
        var said = error.ToString();
        Assert.Contains("SecureString", said);
        Assert.Contains("-AsSecureString", said);
        Assert.DoesNotContain(cluster.Host.Token, said);
    }

    [Fact]
    public void The_environment_token_and_the_saved_file_still_connect()
    {
        using var ps = new ModuleRunspace();
        try
        {
            Environment.SetEnvironmentVariable("KOHAKURIVER_TOKEN", cluster.Host.Token);
            ps.Run("Disconnect-RiverCluster -Confirm:$false; Connect-RiverCluster -Uri $uri | Out-Null; Get-RiverHealth | Out-Null", Vars()).ShouldSucceed();
            Environment.SetEnvironmentVariable("KOHAKURIVER_HOST", cluster.Host.Uri.ToString());
            var fromEnv = ps.Run("Disconnect-RiverCluster -Confirm:$false; (Get-RiverCluster).Source; Get-RiverHealth | Out-Null").ShouldSucceed();
            Assert.Equal("Environment", fromEnv.Objects[0].ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("KOHAKURIVER_TOKEN", null);
            Environment.SetEnvironmentVariable("KOHAKURIVER_HOST", null);
        }
        try
        {
            ps.Run($"Connect-RiverCluster -Uri $uri -Token {Secure} -Save | Out-Null", Vars()).ShouldSucceed();
            var fromFile = ps.Run("Disconnect-RiverCluster -Confirm:$false; (Get-RiverCluster).Source; Get-RiverHealth | Out-Null").ShouldSucceed();
            Assert.Equal("ConfigFile", fromFile.Objects[0].ToString());
        }
        finally
        {
            ps.Run("Disconnect-RiverCluster -Forget -Confirm:$false");
        }
    }

    [Fact]
    public void The_token_appears_neither_in_verbose_output_nor_in_the_connection_display()
    {
        using var ps = new ModuleRunspace();
        var run = ps.Run($"$c = Connect-RiverCluster -Uri $uri -Token {Secure} -Verbose; Get-RiverHealth -Verbose | Out-Null; " +
                         "$c | Format-List * | Out-String; $c | Format-Table | Out-String; \"$c\"; $c | ConvertTo-Json", Vars()).ShouldSucceed();
        var token = cluster.Host.Token;
        Assert.NotEmpty(run.Verbose);
        Assert.All(run.Verbose, v => Assert.DoesNotContain(token, v));
        Assert.All(run.Objects, o => Assert.DoesNotContain(token, o.ToString()!));
    }

    // ---- stderr as native commands in pwsh 7.4+ ----

    private async Task<long> TaskWithOutputAsync(bool finish = true)
    {
        using var ps = cluster.Connected();
        var id = ps.Run("(Submit-RiverTask 'sh -c x').TaskId").ShouldSucceed().Of<long>().Single();
        cluster.Host.Append(id, TaskOutputStream.Stdout, "out 1\nout 2\nout 3\n");
        cluster.Host.Append(id, TaskOutputStream.Stderr, "err 1\nerr 2\n");
        if (finish) await cluster.Host.RunToEndAsync(id);
        return id;
    }

    private static IEnumerable<string> Lines(PsRun run) =>
        run.Objects.Select(o => o is ErrorRecord e ? "E:" + e.Exception.Message : "O:" + o);

    [Fact]
    public async Task Under_Stop_stderr_lines_merge_with_2_to_1_in_order_and_do_not_stop()
    {
        var id = await TaskWithOutputAsync();
        using var ps = cluster.Connected();
        var continued = ps.Run("Receive-RiverTaskOutput $id 2>&1", Vars(("id", id))).ShouldSucceed();
        var stopped = ps.Run("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput $id 2>&1; 'after'", Vars(("id", id))).ShouldSucceed();
        var explicitStop = ps.Run("Receive-RiverTaskOutput $id -ErrorAction Stop 2>&1", Vars(("id", id))).ShouldSucceed();

        string[] expected = ["O:out 1", "O:out 2", "O:out 3", "E:err 1", "E:err 2"];
        Assert.Equal(expected.Order(), Lines(continued).Order());
        Assert.Equal(Lines(continued), Lines(stopped).SkipLast(1));
        Assert.Equal("O:after", Lines(stopped).Last());
        Assert.Equal(Lines(continued), Lines(explicitStop));
        Assert.Equal(["O:out 1", "O:out 2", "O:out 3"], Lines(continued).Where(l => l.StartsWith("O:")));
        Assert.Equal(["E:err 1", "E:err 2"], Lines(continued).Where(l => l.StartsWith("E:")));
    }

    [Fact]
    public async Task Under_Stop_2_to_null_gives_stdout_only_and_the_records_keep_their_identity()
    {
        var id = await TaskWithOutputAsync();
        using var ps = cluster.Connected();
        var dropped = ps.Run("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput $id 2>$null", Vars(("id", id))).ShouldSucceed();
        Assert.Equal(["out 1", "out 2", "out 3"], dropped.Objects);

        var onStream = ps.Run("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput $id; 'after'", Vars(("id", id)));
        Assert.Null(onStream.Terminated);
        Assert.Equal(["out 1", "out 2", "out 3", "after"], onStream.Objects);
        Assert.Equal(2, onStream.Errors.Count);
        Assert.All(onStream.Errors, e =>
        {
            Assert.Equal("RiverTaskStandardError", e.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.FromStdErr, e.CategoryInfo.Category);
            Assert.Equal(id, Convert.ToInt64(e.TargetObject));
        });

        var merged = ps.Run("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput $id 2>&1", Vars(("id", id))).ShouldSucceed();
        Assert.All(merged.Objects.OfType<ErrorRecord>(), e => Assert.Equal("RiverTaskStandardError", e.FullyQualifiedErrorId.Split(',')[0]));

        var file = Path.Combine(cluster.Scratch, $"stderr-{id}.txt");
        ps.Run("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput $id 2> $file | Out-Null", Vars(("id", id), ("file", file))).ShouldSucceed();
        var written = File.ReadAllText(file);
        Assert.Contains("err 1", written);
        Assert.Contains("err 2", written);
    }

    [Fact]
    public async Task The_commands_own_failures_still_obey_Stop()
    {
        using var ps = cluster.Connected();
        var run = ps.Run("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput 1234567; 'after'");
        Assert.NotNull(run.Terminated);
        Assert.StartsWith("RiverTaskNotFound", run.Terminated!.ErrorRecord.FullyQualifiedErrorId);
        Assert.DoesNotContain("after", run.Objects);

        var explicitStop = ps.Run("Receive-RiverTaskOutput 1234567 -ErrorAction Stop; 'after'");
        Assert.NotNull(explicitStop.Terminated);

        // SilentlyContinue still hides the task's stderr, as it hides any error.
        var id = await TaskWithOutputAsync();
        var quiet = ps.Run("Receive-RiverTaskOutput $id -ErrorAction SilentlyContinue", Vars(("id", id))).ShouldSucceed();
        Assert.Equal(["out 1", "out 2", "out 3"], quiet.Objects);
    }

    [Fact]
    public async Task Following_a_running_task_under_Stop_keeps_going_past_stderr()
    {
        var id = await TaskWithOutputAsync(finish: false);
        await cluster.Host.Dispatched(id);
        await cluster.Host.ReportAsync(id, RiverTaskStatus.Running);
        using var ps = cluster.Connected();
        using var pipeline = ps.Pipeline();
        pipeline.AddScript("$ErrorActionPreference = 'Stop'; Receive-RiverTaskOutput $args[0] -Wait 2>&1").AddArgument(id);
        var output = new PSDataCollection<PSObject>();
        var five = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        output.DataAdded += (_, _) =>
        {
            if (output.Count >= 5) five.TrySetResult();
        };
        var done = pipeline.BeginInvoke<PSObject, PSObject>(null, output);
        await five.Task.WaitAsync(Bound, TestContext.Current.CancellationToken);

        cluster.Host.Append(id, TaskOutputStream.Stderr, "err 3\n");
        cluster.Host.Append(id, TaskOutputStream.Stdout, "out 4\n");
        await cluster.Host.ReportAsync(id, RiverTaskStatus.Completed, 0);
        await Task.Factory.FromAsync(done, pipeline.EndInvoke).WaitAsync(Bound, TestContext.Current.CancellationToken);

        var lines = output.Select(o => o.BaseObject is ErrorRecord e ? "E:" + e.Exception.Message : "O:" + o).ToList();
        Assert.Equal(["O:out 1", "O:out 2", "O:out 3", "O:out 4"], lines.Where(l => l.StartsWith("O:")));
        Assert.Equal(["E:err 1", "E:err 2", "E:err 3"], lines.Where(l => l.StartsWith("E:")));
        Assert.False(pipeline.HadErrors && pipeline.InvocationStateInfo.Reason is not null);
    }

    [Fact]
    public void This_PowerShell_has_the_native_stderr_write_path()
    {
        // Pins the one internal member the stderr convention relies on (see StandardErrorWriter): if a PowerShell
        // update removes it, stderr lines fall back to stopping under Stop, and this says so first.
        using var ps = new ModuleRunspace();
        var module = AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "KohakuRiver.PowerShell");
        var writer = module.GetType("KohakuRiver.PowerShell.Hosting.StandardErrorWriter", throwOnError: true)!;
        var available = writer.GetProperty("NativePathAvailable", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!;
        Assert.True((bool)available.GetValue(null)!);
    }

    // ---- progress ----

    /// <summary>Kills the tasks of a batch, so that later tests find the stub node free.</summary>
    private async Task KillBatchAsync(object? batchId)
    {
        if (batchId is null) return;
        var ids = new List<long>();
        await foreach (var t in cluster.Host.Client.EnumerateTasksAsync(new TaskQuery { BatchId = Convert.ToInt64(batchId) }, ct: TestContext.Current.CancellationToken))
            ids.Add(t.TaskId);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken },
            async (id, ct) => await cluster.Host.Client.KillAsync(id, ct));
    }

    [Fact]
    public async Task A_large_sweep_shows_progress_under_one_activity_that_ends_Completed()
    {
        using var ps = cluster.Connected();
        var run = ps.Run("$b = 1..3000 | Submit-RiverTask 'echo {_}'; $b.Count; $b[0].BatchId").ShouldSucceed();
        await KillBatchAsync(run.Objects[1]);
        Assert.Equal(3000, Convert.ToInt32(run.Objects[0]));
        var submit = run.Progress.Where(p => p.Activity == "Submitting tasks").ToList();
        Assert.NotEmpty(submit);
        Assert.Single(submit.Select(p => p.ActivityId).Distinct());
        Assert.Equal(ProgressRecordType.Completed, submit[^1].RecordType);
        Assert.Contains(submit, p => p.StatusDescription.StartsWith("Building"));
        Assert.Contains(submit, p => p.StatusDescription.StartsWith("Sending 3000 task(s)"));

        var grid = ps.Run("(Submit-RiverTask 'echo {a}' -Sweep @{ a = 1..2000 })[0].BatchId").ShouldSucceed();
        await KillBatchAsync(grid.Objects[0]);
        Assert.Equal(ProgressRecordType.Completed, grid.Progress.Last(p => p.Activity == "Submitting tasks").RecordType);
    }

    [Fact]
    public async Task A_small_submission_shows_no_progress()
    {
        using var ps = cluster.Connected();
        var run = ps.Run("1..3 | Submit-RiverTask 'echo {_}'").ShouldSucceed();
        await KillBatchAsync(run.Of<RiverTask>()[0].BatchId);
        Assert.Equal(3, run.Output.Count);
        Assert.Empty(run.Progress);
    }

    [Fact]
    public async Task Submit_with_Wait_ends_its_waiting_bar_Completed()
    {
        using var ps = cluster.Connected();
        using var pipeline = ps.Pipeline();
        pipeline.AddScript("Submit-RiverTask 'echo hi' -Name wait-bar -Wait");
        var done = pipeline.BeginInvoke();
        var id = 0L;
        var deadline = DateTime.UtcNow + Bound;
        while (id == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the task never appeared");
            var found = await cluster.Host.Client.ListTasksAsync(new TaskQuery { Limit = 50 }, TestContext.Current.CancellationToken);
            id = found.FirstOrDefault(t => t.Name == "wait-bar")?.TaskId ?? 0;
        }
        await cluster.Host.RunToEndAsync(id);
        await Task.Factory.FromAsync(done, pipeline.EndInvoke).WaitAsync(Bound, TestContext.Current.CancellationToken);
        var bars = pipeline.Streams.Progress.Where(p => p.Activity.StartsWith("Waiting")).ToList();
        Assert.NotEmpty(bars);
        Assert.Equal(ProgressRecordType.Completed, bars[^1].RecordType);
    }

    // ---- -Verbose names the host call ----

    [Fact]
    public void Verbose_names_the_host_url_and_the_call()
    {
        using var ps = cluster.Connected();
        var run = ps.Run("Get-RiverHealth -Verbose | Out-Null").ShouldSucceed();
        var url = new Uri(cluster.Host.Uri, "api/health").ToString();
        Assert.Contains(run.Verbose, v => v == $"GET {url}");
        Assert.Contains(run.Verbose, v => v.StartsWith($"GET {url}: 200 OK in "));

        var preference = ps.Run("$VerbosePreference = 'Continue'; Get-RiverNode | Out-Null; $VerbosePreference = 'SilentlyContinue'").ShouldSucceed();
        Assert.Contains(preference.Verbose, v => v.StartsWith("GET ") && v.Contains("/api/nodes"));
    }

    [Fact]
    public async Task Verbose_on_submit_names_POST_and_the_batch_size_and_never_the_token()
    {
        using var ps = cluster.Connected();
        var run = ps.Run("$b = 1..3 | Submit-RiverTask 'echo {_}' -Verbose; $b[0].BatchId").ShouldSucceed();
        await KillBatchAsync(run.Objects[0]);
        var url = new Uri(cluster.Host.Uri, "api/batches").ToString();
        Assert.Contains(run.Verbose, v => v.StartsWith($"POST {url} (3 task(s), ") && v.EndsWith(" B)"));
        Assert.Contains(run.Verbose, v => v.StartsWith($"POST {url}: 202 Accepted"));
        Assert.All(run.Verbose, v => Assert.DoesNotContain(cluster.Host.Token, v));

        var quiet = ps.Run("(Submit-RiverTask 'echo quiet').BatchId").ShouldSucceed();
        await KillBatchAsync(quiet.Objects[0]);
        Assert.Empty(quiet.Verbose);
    }
}
