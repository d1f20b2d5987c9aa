namespace KohakuRiver.Daemon.Runner.Resources;

/// <summary>The CPU's sensors at one moment, in degrees Celsius: their average and the hottest.</summary>
public readonly record struct CpuTemperature(double Average, double Max);
