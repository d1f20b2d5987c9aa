namespace KohakuRiver.Core.Sweeps;

/// <summary>A sweep point (or the sweep itself) cannot be turned into a task: a placeholder without a value, a
/// parameter given twice, an empty value list. The message names the point and what is wrong with it.</summary>
public sealed class SweepException(string message) : Exception(message);
