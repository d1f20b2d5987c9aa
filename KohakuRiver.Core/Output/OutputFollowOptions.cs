namespace KohakuRiver.Core.Output;

public sealed class OutputFollowOptions
{
    public TaskOutputSelection Streams { get; init; } = TaskOutputSelection.All;

    /// <summary>Start with the last this-many lines of each stream; null starts at the beginning.</summary>
    public int? Tail { get; init; }

    /// <summary>Keep reading as the task writes, until it is final.</summary>
    public bool Follow { get; init; }

    /// <summary>How long to wait for news between reads when nothing new came (the wait ends early when the task
    /// finishes, through the host's long-poll).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}
