using System.Globalization;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>Labels and names that let a runner find its own containers, and nothing else, after a restart.</summary>
public static class ContainerLabels
{
    public const string Managed = "kohakuriver.managed";
    public const string TaskId = "kohakuriver.task_id";
    public const string BatchId = "kohakuriver.batch_id";
    public const string Node = "kohakuriver.node";
    public const string Kind = "kohakuriver.kind";

    public static string TaskContainerName(long taskId) => $"kohakuriver-task-{taskId}";

    /// <summary>Whether a container with these labels was made by <paramref name="node"/> for task <paramref name="taskId"/>.</summary>
    public static bool IsLeftoverOf(IReadOnlyDictionary<string, string>? labels, long taskId, string node) =>
        labels is not null &&
        labels.GetValueOrDefault(Managed) == "true" &&
        labels.GetValueOrDefault(Node) == node &&
        labels.GetValueOrDefault(TaskId) == taskId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Who a container belongs to, from its labels, for messages.</summary>
    public static string Describe(IReadOnlyDictionary<string, string>? labels) =>
        labels?.GetValueOrDefault(Managed) == "true"
            ? $"it belongs to node '{labels.GetValueOrDefault(Node)}', task {labels.GetValueOrDefault(TaskId)}"
            : "it is not a KohakuRiver container";
}
