using System.Net.Sockets;
using System.Text.Json;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Runner;

namespace KohakuRiver.Daemon;

/// <summary>The command line: <c>kohakuriver-daemon host|runner|standalone|init [--setting value …]</c>.</summary>
public static class DaemonCommand
{
    private const string Usage = """
        usage: kohakuriver-daemon <role> [--config FILE] [--setting value ...]
          host        the cluster host: API (port 8000), scheduler, state
          runner      a worker node: runs tasks in Docker, reports to the host
          standalone  host and runner in one process (a one-machine cluster)
          init        write a config file with fresh tokens (--force to replace one)
          settings    list every setting and its environment variable
        Settings come from the config file, then KOHAKURIVER_<SETTING> variables, then --setting value.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var role = args[0];
        var rest = args.Skip(1).ToList();
        try
        {
            switch (role)
            {
                case "settings":
                    foreach (var (key, env, help) in SettingsLoader.Describe())
                        Console.WriteLine($"{key,-28} {env,-44} {help}");
                    return 0;
                case "init":
                    return Init(rest);
                case "host":
                case "runner":
                case "standalone":
                    var settings = SettingsLoader.Load(rest, SettingsLoader.CurrentEnvironment());
                    return await RunRoleAsync(role, settings);
                default:
                    Console.Error.WriteLine($"kohakuriver-daemon: unknown role '{role}'\n{Usage}");
                    return 2;
            }
        }
        catch (SettingsException e)
        {
            Console.Error.WriteLine($"kohakuriver-daemon: {e.Message}");
            return 2;
        }
    }

    private static int Init(List<string> rest)
    {
        var force = rest.Remove("--force");
        string? path = null;
        var i = rest.IndexOf("--config");
        if (i >= 0)
        {
            if (i + 1 >= rest.Count) throw new SettingsException("option --config needs a value");
            path = rest[i + 1];
            rest.RemoveRange(i, 2);
        }
        if (rest.Count > 0) throw new SettingsException($"init takes only --config FILE and --force, not '{rest[0]}'");
        path ??= SettingsLoader.DefaultConfigPath(SettingsLoader.CurrentEnvironment());
        if (File.Exists(path) && !force)
            throw new SettingsException($"config file {path} exists; pass --force to replace it");
        var config = new Dictionary<string, string>
        {
            ["api_token"] = TokenStore.NewToken(),
            ["cluster_token"] = TokenStore.NewToken(),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using (var f = new FileStream(path, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        {
            JsonSerializer.Serialize(f, config, DaemonJsonContext.Default.DictionaryStringString);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Console.WriteLine($"wrote {path} (owner-readable only) with a fresh api_token and cluster_token");
        Console.WriteLine("runners need the same cluster_token; clients use the api_token");
        return 0;
    }

    private static async Task<int> RunRoleAsync(string role, DaemonSettings settings)
    {
        var apps = new List<WebApplication>();
        settings.HostSharesRunnerFilesystem = role == "standalone";
        if (role is "host" or "standalone")
        {
            TokenStore.EnsureHostTokens(settings, Console.WriteLine);
            apps.Add(HostServer.Build(settings));
        }
        if (role is "runner" or "standalone")
        {
            using (var engine = new DockerEngine(settings.DockerSocket))
            {
                if (!await engine.PingAsync())
                    Console.Error.WriteLine($"kohakuriver-daemon: warning: the Docker engine at {settings.DockerSocket} does not answer; tasks will fail until it does");
            }
            apps.Add(RunnerServer.Build(settings));
        }
        try
        {
            foreach (var app in apps) await app.StartAsync();
        }
        // Kestrel reports a port in use as an IOException; the SSH proxy binds its own socket (SocketException).
        catch (Exception e) when (e is IOException or SocketException)
        {
            Console.Error.WriteLine($"kohakuriver-daemon: cannot listen: {e.Message} (see settings host_port / runner_port / ssh_proxy_port)");
            foreach (var app in apps) await app.DisposeAsync();
            return 1;
        }
        if (role is "host" or "standalone")
            Console.WriteLine($"KohakuRiver host listening on http://{settings.HostBindAddress}:{settings.HostPort} (data in {settings.DataDir})");
        if (role is "runner" or "standalone")
            Console.WriteLine($"KohakuRiver runner '{settings.NodeName}' reporting to {settings.HostUrl}");
        var done = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.TrySetResult(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => done.TrySetResult();
        await Task.WhenAny(done.Task, Task.WhenAll(apps.Select(a => a.WaitForShutdownAsync())));
        foreach (var app in Enumerable.Reverse(apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        return 0;
    }
}
