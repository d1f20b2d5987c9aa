namespace KohakuRiver.Core.Waiting;

public sealed class TaskWaitOptions
{
    /// <summary>Stop at the first finished task instead of waiting for all.</summary>
    public bool Any { get; init; }

    /// <summary>How long to wait in all; null waits for ever. Zero looks once.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The longest single long-poll (the host allows 300 s).</summary>
    public TimeSpan MaxPollWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The least time between the starts of two long-polls. Each poll returns as soon as one more task finishes
    /// (that is what keeps the progress bar honest); when tasks finish in a stream, this spaces the polls out so
    /// that a 10,000-task wait costs a poll a second rather than one per task.
    /// </summary>
    public TimeSpan MinPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Wait-Job's <c>-Timeout</c> in seconds: -1 for ever, 0 or more a limit.</summary>
    public static TimeSpan? TimeoutFromSeconds(int seconds) => seconds switch
    {
        -1 => null,
        < -1 => throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "the timeout is -1 (for ever) or a number of seconds, 0 or more"),
        _ => TimeSpan.FromSeconds(seconds),
    };
}
