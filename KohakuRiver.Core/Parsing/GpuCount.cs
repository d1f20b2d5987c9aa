using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Parsing;

/// <summary>
/// A number of GPUs for the host to choose (<c>-Gpus</c>, the wire's <c>required_gpu_count</c>): 1 to
/// <see cref="RequestLimits.MaxGpuIds"/>, and never together with a target that names GPU ids, which would say twice,
/// perhaps differently, which GPUs a task gets. The host holds the same rules; checking here refuses before anything is sent.
/// </summary>
public static class GpuCount
{
    /// <summary>Throws <see cref="ArgumentException"/> naming what was wrong; <paramref name="targets"/> that do not
    /// parse (or still hold placeholders) are left to their own checks.</summary>
    public static void Check(int? count, IEnumerable<string?> targets)
    {
        if (count is not { } n) return;
        if (n < 1 || n > RequestLimits.MaxGpuIds)
            throw new ArgumentException($"-Gpus must be from 1 to {RequestLimits.MaxGpuIds}, got {n}", "Gpus");
        foreach (var text in targets)
        {
            if (text is null || !TargetSpec.TryParse(text, out var target, out _) || target?.GpuIds is not { Count: > 0 }) continue;
            throw new ArgumentException(
                $"-Gpus {n} and -Target '{text}', which names GPU ids, cannot be given together: ask for a number of GPUs (-Gpus) or for GPU ids (-Target node::0,1), not both",
                "Gpus");
        }
    }
}
