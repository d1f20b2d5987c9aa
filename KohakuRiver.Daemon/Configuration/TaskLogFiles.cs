using System.Globalization;

namespace KohakuRiver.Daemon.Configuration;

/// <summary>Where a task's captured output lives: one file per stream, named after the task, in the logs folder the
/// runner writes and the host serves from.</summary>
public static class TaskLogFiles
{
    public static string Stdout(string folder, long taskId) => Path.Combine(folder, Name(taskId) + ".out");

    public static string Stderr(string folder, long taskId) => Path.Combine(folder, Name(taskId) + ".err");

    private static string Name(long taskId) => taskId.ToString(CultureInfo.InvariantCulture);
}
