using System.Collections.ObjectModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace KohakuRiver.ModuleInspection;

/// <summary>One parameter of a cmdlet in one parameter set.</summary>
public sealed record ParameterInSet(string Set, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

/// <summary>A cmdlet parameter as the built dll declares it.</summary>
public sealed record CmdletParameter(string Name, Type Type, IReadOnlyList<string> Aliases, IReadOnlyList<ParameterInSet> Sets,
    IReadOnlyList<CustomAttributeData> Attributes)
{
    public const string AllSets = "__AllParameterSets";

    public bool InAllSets => Sets.Any(s => s.Set == AllSets);

    public ParameterInSet? In(string set) => Sets.FirstOrDefault(s => s.Set == set) ?? Sets.FirstOrDefault(s => s.Set == AllSets);

    public bool Has(string attributeTypeName) => Attributes.Any(a => a.AttributeType.Name == attributeTypeName);

    public Type? CompleterType => Attributes
        .Where(a => a.AttributeType.Name == "ArgumentCompleterAttribute" && a.ConstructorArguments.Count == 1)
        .Select(a => a.ConstructorArguments[0].Value as Type).FirstOrDefault();
}

/// <summary>A cmdlet as the built dll declares it: read through MetadataLoadContext, never executed.</summary>
public sealed record CmdletDescription(Type Type, string Verb, string Noun, bool SupportsShouldProcess, string? DefaultSet,
    IReadOnlyList<Type> OutputTypes, IReadOnlyList<CmdletParameter> Parameters)
{
    public string Name => $"{Verb}-{Noun}";

    /// <summary>The parameter sets: the named ones, or the one implicit set when none is named. As in PowerShell's
    /// binder, the default set exists even when no parameter names it (a set of the all-sets parameters only).</summary>
    public IReadOnlyList<string> SetNames
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets).Select(s => s.Set).Where(s => s != CmdletParameter.AllSets).Distinct().ToList();
            if (DefaultSet is { } d && named.Count > 0 && !named.Contains(d)) named.Insert(0, d);
            return named.Count > 0 ? named : [CmdletParameter.AllSets];
        }
    }

    /// <summary>Sets some parameter names explicitly (not the implicit default one).</summary>
    public IReadOnlyList<string> DeclaredSetNames =>
        Parameters.SelectMany(p => p.Sets).Select(s => s.Set).Where(s => s != CmdletParameter.AllSets).Distinct().ToList();

    public IEnumerable<(CmdletParameter Parameter, ParameterInSet Meta)> InSet(string set) =>
        Parameters.Select(p => (p, p.In(set))).Where(x => x.Item2 is not null).Select(x => (x.p, x.Item2!));

    public CmdletParameter Parameter(string name) => Parameters.Single(p => p.Name == name);
}

/// <summary>
/// The built module (KohakuRiver.PowerShell.dll) loaded as metadata with MetadataLoadContext, against the
/// PowerShellStandard reference assembly and this runtime's framework. Nothing from it ever runs. One reader for the
/// help builder (which takes the parameters' metadata for the MAML from it) and the tests (which link this file and add
/// a constructor that finds the paths from their build).
/// </summary>
public sealed partial class ModuleMetadata : IDisposable
{
    private readonly MetadataLoadContext _context;

    /// <summary>The module dll in <paramref name="moduleOutput"/> (beside KohakuRiver.Core.dll), resolved against
    /// <paramref name="smaPath"/>, PowerShellStandard's System.Management.Automation.dll.</summary>
    public static ModuleMetadata Load(string moduleOutput, string smaPath) => new(moduleOutput, smaPath);

    private ModuleMetadata(string moduleOutput, string smaPath)
    {
        ModuleOutput = moduleOutput;
        SmaPath = smaPath;
        ModulePath = Path.Combine(ModuleOutput, "KohakuRiver.PowerShell.dll");
        if (!File.Exists(ModulePath)) throw new FileNotFoundException("the module is not built (build tests/KohakuRiver.Tests, which builds it first)", ModulePath);
        if (!File.Exists(SmaPath)) throw new FileNotFoundException("the PowerShellStandard reference assembly is not restored", SmaPath);

        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(ModuleOutput, "*.dll"))
            .Append(SmaPath);
        _context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        Module = _context.LoadFromAssemblyPath(ModulePath);
        Sma = _context.LoadFromAssemblyPath(SmaPath);
        Core = _context.LoadFromAssemblyPath(Path.Combine(ModuleOutput, "KohakuRiver.Core.dll"));
        Cmdlets = ReadCmdlets();
    }

    public string ModuleOutput { get; }
    public string ModulePath { get; }
    public string SmaPath { get; }
    public Assembly Module { get; }
    public Assembly Sma { get; }
    public Assembly Core { get; }
    public IReadOnlyList<CmdletDescription> Cmdlets { get; }

    public Type SmaType(string name) => Sma.GetType("System.Management.Automation." + name, throwOnError: true)!;

    public CmdletDescription Cmdlet(string name) => Cmdlets.Single(c => c.Name == name);

    public static bool DerivesFrom(Type? type, string fullName)
    {
        for (; type is not null; type = type.BaseType)
            if (type.FullName == fullName) return true;
        return false;
    }

    private List<CmdletDescription> ReadCmdlets()
    {
        var result = new List<CmdletDescription>();
        foreach (var type in Module.GetTypes())
        {
            var cmdlet = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
            if (cmdlet is null) continue;
            var named = cmdlet.NamedArguments.ToDictionary(n => n.MemberName, n => n.TypedValue.Value);
            var outputs = type.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> list ? list.Select(x => x.Value) : [arg.Value])
                .Select(v => v as Type ?? throw new InvalidOperationException($"{type.Name}: OutputType given by name ({v}); give types"))
                .ToList();
            result.Add(new CmdletDescription(type, (string)cmdlet.ConstructorArguments[0].Value!, (string)cmdlet.ConstructorArguments[1].Value!,
                named.TryGetValue("SupportsShouldProcess", out var sp) && sp is true,
                named.TryGetValue("DefaultParameterSetName", out var ds) ? ds as string : null,
                outputs, ReadParameters(type)));
        }
        return result.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    private static List<CmdletParameter> ReadParameters(Type type)
    {
        var result = new List<CmdletParameter>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = property.GetCustomAttributesData().ToList();
            var sets = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute").Select(a =>
            {
                var n = a.NamedArguments.ToDictionary(x => x.MemberName, x => x.TypedValue.Value);
                return new ParameterInSet(
                    n.TryGetValue("ParameterSetName", out var set) ? (string)set! : CmdletParameter.AllSets,
                    n.TryGetValue("Mandatory", out var m) && m is true,
                    n.TryGetValue("Position", out var pos) && pos is int p && p >= 0 ? p : null,
                    n.TryGetValue("ValueFromPipeline", out var v) && v is true,
                    n.TryGetValue("ValueFromPipelineByPropertyName", out var b) && b is true);
            }).ToList();
            if (sets.Count == 0) continue;
            var aliases = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> list ? list.Select(x => (string)x.Value!) : [(string)arg.Value!])
                .ToList();
            result.Add(new CmdletParameter(property.Name, property.PropertyType, aliases, sets, attributes));
        }
        return result;
    }

    public void Dispose() => _context.Dispose();
}
