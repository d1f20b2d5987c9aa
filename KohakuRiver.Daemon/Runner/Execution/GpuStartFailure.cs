using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>
/// What to tell the user when the engine would not give a task its GPUs. Docker creates a container that asks for GPUs
/// whatever its runtimes, and refuses at start: with no runtime that handles GPU requests (no NVIDIA Container Toolkit)
/// it says <c>could not select device driver "nvidia" with capabilities: [[gpu]]</c>; with the toolkit but no usable
/// GPU (no driver, a wrong id) the NVIDIA hook fails the start with <c>nvidia-container-cli: ...</c>. Either way the
/// engine's words alone do not say which node and GPUs, nor what to install.
/// </summary>
public static class GpuStartFailure
{
    /// <summary>The failure's message for a task holding <paramref name="gpus"/> on <paramref name="node"/>, or null
    /// when the error is not about GPUs (the caller reports it as any engine error).</summary>
    public static string? Describe(string node, IReadOnlyList<int>? gpus, EngineException error)
    {
        if (gpus is not { Count: > 0 } || error.Kind == EngineErrorKind.Unavailable) return null;
        var ids = string.Join(",", gpus);
        var said = error.Message;
        if (said.Contains("could not select device driver", StringComparison.OrdinalIgnoreCase))
            return $"node {node} cannot give GPUs {ids} to containers: the container engine has no GPU runtime " +
                   $"(is the NVIDIA Container Toolkit installed and configured for the engine?): {said}";
        if (said.Contains("nvidia-container-cli", StringComparison.OrdinalIgnoreCase) ||
            said.Contains("nvidia-container-runtime", StringComparison.OrdinalIgnoreCase))
            return $"node {node} could not give GPUs {ids} to the container: the NVIDIA container runtime refused " +
                   $"(is the NVIDIA driver loaded, and does the node have these GPUs?): {said}";
        return null;
    }
}
