namespace KohakuRiver.Core.Output;

/// <summary>Which of a task's streams to read.</summary>
public enum TaskOutputSelection
{
    /// <summary>Both: stdout for the output stream, stderr kept apart.</summary>
    All,
    StandardOutput,
    StandardError,
}
