using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// A PowerShell host that records what PowerShell shows the user (the -WhatIf lines, Out-Host, warnings) and answers
/// -Confirm prompts with a fixed choice, so tests see what a person at the prompt would.
/// </summary>
public sealed class RecordingHost : PSHost
{
    private readonly RecordingUserInterface _ui = new();

    public override string Name => "KohakuRiver.Tests";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>Every line written to the host, in order.</summary>
    public IReadOnlyList<string> Lines => _ui.Lines.ToList();

    /// <summary>The captions of the choices PowerShell asked for (each -Confirm prompt).</summary>
    public IReadOnlyList<string> Prompts => _ui.Prompts.ToList();

    /// <summary>The label of the choice given to every prompt: "Yes", "No", "Yes to All"...</summary>
    public string Answer
    {
        get => _ui.Answer;
        set => _ui.Answer = value;
    }

    public void Clear() => _ui.Clear();

    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class RecordingUserInterface : PSHostUserInterface
    {
        private readonly object _gate = new();
        private string _partial = "";

        public ConcurrentQueue<string> Lines { get; private set; } = new();
        public ConcurrentQueue<string> Prompts { get; private set; } = new();
        public string Answer { get; set; } = "No";

        public void Clear()
        {
            Lines = new();
            Prompts = new();
        }

        public override PSHostRawUserInterface? RawUI => null;

        public override void Write(string value)
        {
            lock (_gate) _partial += value;
        }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            lock (_gate)
            {
                foreach (var line in (_partial + value).Split('\n')) Lines.Enqueue(line.TrimEnd('\r'));
                _partial = "";
            }
        }

        public override void WriteErrorLine(string value) => WriteLine(value);
        public override void WriteDebugLine(string message) => WriteLine("DEBUG: " + message);
        public override void WriteVerboseLine(string message) => WriteLine("VERBOSE: " + message);
        public override void WriteWarningLine(string message) => WriteLine("WARNING: " + message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Enqueue($"{caption}: {message}");
            for (var i = 0; i < choices.Count; i++)
                if (string.Equals(choices[i].Label.Replace("&", ""), Answer, StringComparison.OrdinalIgnoreCase)) return i;
            throw new InvalidOperationException($"no choice '{Answer}' among {string.Join(", ", choices.Select(c => c.Label))}");
        }

        public override string ReadLine() => throw new NotSupportedException("the tests never read from the prompt");
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("the tests never read from the prompt");

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException($"the tests never prompt for values ({caption}: {message})");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
    }
}
