using KohakuRiver.Tests.Core;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// Tests that run the module in a runspace. The module keeps its default connection per process and reads
/// <c>$env:KOHAKURIVER_*</c> from the process environment, so these tests run one at a time, against one real host
/// (in process, with a stub runner the test plays: <see cref="RealHost"/>), with a client config file of their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunspaceCollection : ICollectionFixture<RunspaceHost>
{
    public const string Name = "KohakuRiver module in a runspace";
}

/// <summary>The host the runspace tests call, and the process environment they need (nothing of the user's).</summary>
public sealed class RunspaceHost : IAsyncLifetime
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "kohakuriver-runspace-" + Guid.NewGuid().ToString("N")[..8]);

    public RealHost Host { get; private set; } = null!;

    /// <summary>The client config file the module reads and writes in these tests.</summary>
    public string ConfigFile => Path.Combine(_scratch, "client.json");

    public string Scratch => _scratch;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_scratch);
        Environment.SetEnvironmentVariable("KOHAKURIVER_CLIENT_CONFIG", ConfigFile);
        Environment.SetEnvironmentVariable("KOHAKURIVER_HOST", null);
        Environment.SetEnvironmentVariable("KOHAKURIVER_TOKEN", null);
        Host = await RealHost.StartAsync();
    }

    /// <summary>A fresh runspace with the module imported and connected to the host (its session default).</summary>
    public ModuleRunspace Connected()
    {
        var runspace = new ModuleRunspace();
        runspace.Run("Connect-RiverCluster -Uri $uri -Token (ConvertTo-SecureString $token -AsPlainText -Force) | Out-Null",
            new Dictionary<string, object?> { ["uri"] = Host.Uri.ToString(), ["token"] = Host.Token }).ShouldSucceed();
        return runspace;
    }

    public async ValueTask DisposeAsync()
    {
        using (var runspace = new ModuleRunspace()) runspace.Run("Disconnect-RiverCluster -Confirm:$false");
        Environment.SetEnvironmentVariable("KOHAKURIVER_CLIENT_CONFIG", null);
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A test class whose tests run the module in a runspace connected to the collection's host (one per test).</summary>
public abstract class ConnectedRunspaceTest(RunspaceHost cluster) : IDisposable
{
    protected RunspaceHost Cluster => cluster;

    protected RealHost Host => cluster.Host;

    /// <summary>The runspace of this test, connected to <see cref="Host"/>.</summary>
    protected ModuleRunspace Ps { get; } = cluster.Connected();

    /// <summary>Script variables for <see cref="ModuleRunspace.Run"/>.</summary>
    protected static Dictionary<string, object?> Vars(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    public void Dispose()
    {
        Ps.Dispose();
        GC.SuppressFinalize(this);
    }
}
