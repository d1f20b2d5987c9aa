namespace KohakuRiver.Core.Wire;

/// <summary>
/// The size limits the host enforces on what clients send. Each is a 400 (or 413 for a body) that names the limit, so
/// that no request can make the host store, hold or answer with more than these bounds allow. Sizes are UTF-8 bytes.
/// </summary>
public static class RequestLimits
{
    /// <summary>A request body, except <c>POST /api/batches</c>.</summary>
    public const long MaxBodyBytes = 1L << 20;
    /// <summary>The body of <c>POST /api/batches</c>.</summary>
    public const long MaxBatchBodyBytes = 16L << 20;
    /// <summary>Tasks in one submission, after one task per target is counted.</summary>
    public const int MaxBatchTasks = 10_000;
    /// <summary>Targets of one task specification.</summary>
    public const int MaxTargets = 64;
    public const int MaxNameBytes = 256;
    public const int MaxCommandBytes = 64 * 1024;
    public const int MaxArguments = 1024;
    /// <summary>All arguments of one task together.</summary>
    public const int MaxArgumentsBytes = 64 * 1024;
    public const int MaxEnvVars = 256;
    public const int MaxEnvNameBytes = 256;
    /// <summary>Names and values of one task's environment variables together.</summary>
    public const int MaxEnvBytes = 64 * 1024;
    public const int MaxParameters = 64;
    /// <summary>Names and values of one task's recorded sweep parameters together.</summary>
    public const int MaxParametersBytes = 16 * 1024;
    public const int MaxMounts = 32;
    public const int MaxMountBytes = 4096;
    /// <summary>GPU ids in one target's list.</summary>
    public const int MaxGpuIds = 64;
    /// <summary>Name, command, arguments, environment, parameters and mounts of one task together: the bound on what
    /// one stored task, and so one entry of a task listing, can weigh.</summary>
    public const int MaxTaskBytes = 128 * 1024;
    /// <summary>Docker's own limit on an image name.</summary>
    public const int MaxImageReferenceLength = 255;
    public const int MaxSshPublicKeyBytes = 16 * 1024;
    /// <summary>Output an environment command may return, each stream.</summary>
    public const int MaxExecOutputBytes = 8 << 20;
    /// <summary>Samples the host keeps per node, and so the most one history call returns (an hour at two heartbeats a second).</summary>
    public const int MaxHistorySamples = 7200;
}
