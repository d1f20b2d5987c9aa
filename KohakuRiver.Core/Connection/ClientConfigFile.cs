using System.Text.Json;

namespace KohakuRiver.Core.Connection;

/// <summary>
/// The file <c>Connect-RiverCluster -Save</c> writes so that scheduled jobs and new sessions find the cluster with no
/// interactive step: <c>$KOHAKURIVER_CLIENT_CONFIG</c> if set, else <c>$XDG_CONFIG_HOME/kohakuriver/client.json</c>,
/// <c>~/.config/kohakuriver/client.json</c>, or <c>%APPDATA%\kohakuriver\client.json</c> on Windows. On Unix it is
/// created readable by its owner only, since it holds the token.
/// </summary>
public sealed class ClientConfigFile(string path)
{
    public const string PathVariable = "KOHAKURIVER_CLIENT_CONFIG";

    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));

    public static ClientConfigFile Default(Func<string, string?> environment) => new(DefaultPath(environment));

    public static string DefaultPath(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(PathVariable) is { Length: > 0 } explicitPath) return explicitPath;
        if (OperatingSystem.IsWindows())
        {
            var appData = environment("APPDATA") is { Length: > 0 } a ? a : Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
            return System.IO.Path.Combine(appData, "kohakuriver", "client.json");
        }
        var configHome = environment("XDG_CONFIG_HOME") is { Length: > 0 } x
            ? x
            : System.IO.Path.Combine(environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return System.IO.Path.Combine(configHome, "kohakuriver", "client.json");
    }

    public bool Exists => File.Exists(Path);

    /// <summary>The settings, or null when there is no file.</summary>
    public ClientConfig? Load()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClientConfigException($"cannot read the client config {Path}: {e.Message}", e);
        }
        try
        {
            return JsonSerializer.Deserialize(text, ClientConfigJsonContext.Default.ClientConfig)
                   ?? throw new ClientConfigException($"the client config {Path} is empty");
        }
        catch (JsonException e)
        {
            throw new ClientConfigException($"the client config {Path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes the settings atomically (a temporary file renamed over the old one).</summary>
    public void Save(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(dir);
        var temp = System.IO.Path.Combine(dir, $".client.json.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var f = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(f, config, ClientConfigJsonContext.Default.ClientConfig);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, Path, overwrite: true);
    }

    /// <summary>Removes the file; false when there was none.</summary>
    public bool Delete()
    {
        if (!File.Exists(Path)) return false;
        File.Delete(Path);
        return true;
    }
}
