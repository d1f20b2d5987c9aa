namespace KohakuRiver.Core.Client;

public enum TaskOutputStream
{
    Stdout,
    Stderr,
}
