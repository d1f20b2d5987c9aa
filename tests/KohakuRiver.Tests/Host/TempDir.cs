namespace KohakuRiver.Tests.Host;

/// <summary>A fresh directory under the system temp dir, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kohakuriver-unit", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Daemon settings whose data, shared and local-temp dirs lie in this directory.</summary>
    public KohakuRiver.Daemon.Configuration.DaemonSettings Settings() => new()
    {
        DataDir = Combine("data"),
        SharedDir = Combine("shared"),
        LocalTempDir = Combine("local"),
    };

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
