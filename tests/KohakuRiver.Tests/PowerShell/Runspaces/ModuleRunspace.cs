using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>What one script run in a <see cref="ModuleRunspace"/> wrote, stream by stream.</summary>
public sealed record PsRun(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<InformationRecord> Information,
    /// <summary>The terminating error that ended the script, if one did.</summary>
    RuntimeException? Terminated)
{
    /// <summary>The output's base objects (strings, RiverTasks...).</summary>
    public IReadOnlyList<object> Objects => Output.Select(o => o.BaseObject).ToList();

    public IReadOnlyList<T> Of<T>() => Output.Select(o => o.BaseObject).OfType<T>().ToList();

    /// <summary>Throws with everything PowerShell said when the run wrote an error or was ended by one.</summary>
    public PsRun ShouldSucceed()
    {
        if (Terminated is null && Errors.Count == 0) return this;
        var said = string.Join("\n", Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}"));
        throw new Xunit.Sdk.XunitException($"the script failed: {Terminated?.ErrorRecord.FullyQualifiedErrorId} {Terminated?.Message}\n{said}");
    }
}

/// <summary>
/// A real PowerShell runspace in the test process with the built module (KohakuRiver.PowerShell/bin/…, laid out as a
/// module by its build) imported: cmdlets run with PowerShell's own binder, formatter, help system and completion.
/// The module's default connection is process-wide, so the tests that use this run in <see cref="RunspaceCollection"/>.
/// </summary>
public sealed class ModuleRunspace : IDisposable
{
    public ModuleRunspace()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(ManifestPath);
        Runspace = RunspaceFactory.CreateRunspace(Host, state);
        Runspace.Open();
    }

    public Runspace Runspace { get; }

    /// <summary>What PowerShell showed the user (-WhatIf lines, Out-Host) and how -Confirm prompts are answered.</summary>
    public RecordingHost Host { get; } = new();

    /// <summary>The manifest in the module project's build output (the folder is the module's layout).</summary>
    public static string ManifestPath { get; } = Path.Combine(ModuleFolder, "KohakuRiver.psd1");

    public static string ModuleFolder => typeof(ModuleRunspace).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "KohakuRiver.ModuleOutput").Value!;

    /// <summary>A pipeline on this runspace, for tests that start, stop or watch it themselves.</summary>
    public System.Management.Automation.PowerShell Pipeline() => System.Management.Automation.PowerShell.Create(Runspace);

    /// <summary>Runs a script, its variables set first (<c>$name</c> in the script), and returns every stream.</summary>
    public PsRun Run(string script, IDictionary<string, object?>? variables = null, IEnumerable? input = null)
    {
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
            Runspace.SessionStateProxy.SetVariable(name, value);
        using var ps = Pipeline();
        ps.AddScript(script);
        Collection<PSObject> output = [];
        RuntimeException? terminated = null;
        try
        {
            output = input is null ? ps.Invoke() : ps.Invoke(input);
        }
        catch (RuntimeException e)
        {
            terminated = e;
        }
        return Capture(ps, output, terminated);
    }

    /// <summary>The header row of the table that <paramref name="script"/>'s output renders to through Out-String: the line
    /// above the first line of dashes.</summary>
    public string[] TableHeader(string script, IDictionary<string, object?>? variables = null)
    {
        var text = (string)Run($"{script} | Out-String -Width 250", variables).ShouldSucceed().Objects.Single();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dashes = Array.FindIndex(lines, l => l.Length > 0 && l.All(c => c is '-' or ' '));
        Xunit.Assert.True(dashes > 0, $"no table in:\n{text}");
        return lines[dashes - 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    public static PsRun Capture(System.Management.Automation.PowerShell ps, IEnumerable<PSObject> output, RuntimeException? terminated) => new(
        output.Where(o => o is not null).ToList(),
        ps.Streams.Error.ToList(),
        ps.Streams.Verbose.Select(v => v.Message).ToList(),
        ps.Streams.Warning.Select(w => w.Message).ToList(),
        ps.Streams.Progress.ToList(),
        ps.Streams.Information.ToList(),
        terminated);

    public void Dispose() => Runspace.Dispose();
}
