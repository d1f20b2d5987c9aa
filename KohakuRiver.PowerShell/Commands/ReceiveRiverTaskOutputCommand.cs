using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Output;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// A task's output, one string per line. Stdout goes to the output stream; stderr is kept apart on the error stream
/// (ErrorId RiverTaskStandardError, category FromStdErr; redirect it with 2&gt;), or use -Stream to pick one stream
/// for the output. -Tail starts at the last lines; -Wait follows the task until it ends.
/// <para>
/// Stderr lines behave as a native command's do in pwsh 7.4+: <c>2&gt;&amp;1</c> merges them with stdout in order,
/// <c>2&gt;$null</c> drops them, <c>2&gt; file</c> writes them, but $ErrorActionPreference = 'Stop' or -ErrorAction Stop
/// does not turn a stderr line into a stop (a task writing a warning to stderr is not this command failing).
/// -ErrorAction SilentlyContinue and Ignore still hide them. The command's own failures (no such task, host
/// unreachable) obey -ErrorAction as before. See <see cref="StandardErrorWriter"/> for how.
/// </para>
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "RiverTaskOutput")]
[OutputType(typeof(string))]
public sealed class ReceiveRiverTaskOutputCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    /// <summary>Start with the last N lines (of each stream read).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Tail { get; set; }

    /// <summary>Keep following the output until the task ends.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>All (stdout to the output stream, stderr to the error stream), StandardOutput or StandardError (that
    /// stream alone, to the output stream).</summary>
    [Parameter]
    public TaskOutputSelection Stream { get; set; } = TaskOutputSelection.All;

    private StandardErrorWriter? _stderr;

    protected override void ProcessRecord()
    {
        var client = Client;
        var options = new OutputFollowOptions
        {
            Streams = Stream,
            Tail = MyInvocation.BoundParameters.ContainsKey(nameof(Tail)) ? Tail : null,
            Follow = Wait,
        };
        _stderr ??= new StandardErrorWriter(this);
        foreach (var id in TaskId)
        {
            try
            {
                Pump(async (writer, ct) =>
                {
                    await foreach (var line in OutputFollower.ReadAsync(client, id, options, ct).ConfigureAwait(false))
                        await writer.PostAsync(() => Emit(line)).ConfigureAwait(false);
                });
            }
            catch (RiverApiException e)
            {
                WriteRiverError(e, id);
            }
        }
    }

    private void Emit(OutputLine line)
    {
        if (line.Stream == TaskOutputStream.Stdout || Stream == TaskOutputSelection.StandardError)
        {
            WriteObject(line.Text);
            return;
        }
        _stderr!.Write(new ErrorRecord(new TaskStandardErrorException(line.Text), RiverErrorMapper.TaskStandardError,
            ErrorCategory.FromStdErr, line.TaskId));
    }
}
