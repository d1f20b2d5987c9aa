using System.Management.Automation;
using System.Reflection;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>
/// Writes a task's stderr lines to the error stream the way pwsh 7.4+ writes a native command's: on the error stream
/// (so <c>2&gt;&amp;1</c> merges them in order, <c>2&gt;$null</c> drops them, <c>2&gt; file</c> writes them), but never
/// turned into a stop by $ErrorActionPreference or -ErrorAction Stop.
/// <para>
/// PowerShell has no public way to do this. <c>WriteError</c> applies the error preference before it writes, and the
/// <c>2&gt;&amp;1</c> merge happens inside that same call, so any other public route (running
/// <c>Write-Error -ErrorAction Continue</c> through <c>InvokeCommand.InvokeScript</c>) loses the merge: measured on
/// 7.6, the records either went to the host past the redirection or vanished under <c>2&gt;&amp;1</c>, at about
/// 50–100 µs a line. So: when the effective preference would not stop (Continue, SilentlyContinue, Ignore), the line
/// goes through the public <c>WriteError</c>, exactly as before; only when it would stop (Stop, Inquire) does it go
/// through the runtime's own native-stderr path (<c>_WriteErrorSkipAllowCheck(record, null, isFromNativeStdError:
/// true)</c>, present from 7.4 to 7.6), found once by reflection. If a future PowerShell lacks it, the line goes through
/// <c>WriteError</c> and stops, as it did before this existed; a test pins the member so that shows up at once.
/// </para>
/// </summary>
internal sealed class StandardErrorWriter
{
    private static readonly MethodInfo? NativePath = FindNativePath();
    private readonly Cmdlet _cmdlet;
    private readonly Action<ErrorRecord>? _native;

    public StandardErrorWriter(RiverCmdlet cmdlet)
    {
        _cmdlet = cmdlet;
        // Stop and Inquire would end (or ask) at the first stderr line.
        var wouldStop = cmdlet.Preference("ErrorAction", "ErrorActionPreference") is ActionPreference.Stop or ActionPreference.Inquire;
        if (NativePath is not null && wouldStop && cmdlet.CommandRuntime is { } runtime && NativePath.DeclaringType!.IsInstanceOfType(runtime))
            _native = record => NativePath.Invoke(runtime, [record, null, true]);
    }

    /// <summary>Whether this PowerShell has the native-stderr write path (pinned by a test).</summary>
    internal static bool NativePathAvailable => NativePath is not null;

    /// <summary>Whether the lines bypass the preference (it would have stopped at the first one).</summary>
    public bool BypassesPreference => _native is not null;

    public void Write(ErrorRecord record)
    {
        if (_native is null) _cmdlet.WriteError(record);
        else _native(record);
    }

    private static MethodInfo? FindNativePath()
    {
        var runtime = typeof(PSCmdlet).Assembly.GetType("System.Management.Automation.MshCommandRuntime");
        return runtime?.GetMethod("_WriteErrorSkipAllowCheck", BindingFlags.Instance | BindingFlags.NonPublic, null,
            [typeof(ErrorRecord), typeof(ActionPreference?), typeof(bool)], null);
    }
}
