namespace KohakuRiver.Core.Wire;

public sealed class EnvironmentExecResult
{
    public int ExitCode { get; set; }
    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";
}
