using System.Reflection;

namespace KohakuRiver.ModuleInspection;

/// <summary>The tests' way to load the module metadata: the paths come from this assembly's build (see the csproj), so
/// the reader shared with the help builder can be an xunit fixture.</summary>
public sealed partial class ModuleMetadata
{
    public ModuleMetadata()
        : this(BuildValue("KohakuRiver.ModuleOutput"),
            Path.Combine(BuildValue("KohakuRiver.PowerShellStandard"), "lib", "netstandard2.0", "System.Management.Automation.dll"))
    {
    }

    public string RepositoryRoot { get; } = BuildValue("KohakuRiver.RepositoryRoot");

    private static string BuildValue(string key) =>
        typeof(ModuleMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;
}
