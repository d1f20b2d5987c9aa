using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Runner.Agent;

/// <summary>Where the runner sends a task's status: the host, through <see cref="HostLink"/>.</summary>
public interface ITaskReporter
{
    /// <summary>Returns once the report is acknowledged (or refused for good); retries until then.</summary>
    Task ReportAsync(TaskUpdateRequest update, CancellationToken ct);
}
