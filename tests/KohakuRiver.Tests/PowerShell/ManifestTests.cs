using System.Xml.Linq;
using Xunit;

namespace KohakuRiver.Tests.PowerShell;

/// <summary>KohakuRiver.psd1 and KohakuRiver.Format.ps1xml against the built module.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ManifestTests(ModuleMetadata module)
{
    private Dictionary<string, object?> Manifest => Psd1Reader.Read(File.ReadAllText(Path.Combine(module.RepositoryRoot, "KohakuRiver.psd1")));

    private static string[] List(object? value) => value switch
    {
        null => [],
        string s => [s],
        object?[] items => items.Select(i => (string)i!).ToArray(),
        _ => throw new InvalidCastException($"{value.GetType()} is not a list of strings"),
    };

    [Fact]
    public void The_export_lists_are_explicit_and_equal_the_compiled_cmdlets_and_aliases()
    {
        var m = Manifest;
        var cmdlets = List(m["CmdletsToExport"]);
        Assert.Equal(module.Cmdlets.Select(c => c.Name).Order(), cmdlets.Order());
        Assert.Equal(CmdletSurfaceTests.Expected.Length, cmdlets.Length);
        var aliases = module.Cmdlets.SelectMany(c => c.Type.GetCustomAttributesData())
            .Where(a => a.AttributeType.Name == "AliasAttribute").SelectMany(a => a.ConstructorArguments).Select(a => a.Value?.ToString()).ToList();
        Assert.Equal(aliases.Order(), List(m["AliasesToExport"]).Order());
        Assert.Empty(List(m["FunctionsToExport"]));
        Assert.Empty(List(m["VariablesToExport"]));
        foreach (var key in new[] { "CmdletsToExport", "AliasesToExport", "FunctionsToExport", "VariablesToExport" })
            Assert.All(List(m[key]), name => Assert.False(name.Contains('*') || name.Contains('?'), $"{key} has a wildcard: {name}"));
    }

    [Fact]
    public void The_manifest_asks_for_pwsh_7_4_Core_and_matches_the_assembly_version()
    {
        var m = Manifest;
        Assert.Equal("7.4", m["PowerShellVersion"]);
        Assert.Equal(["Core"], List(m["CompatiblePSEditions"]));
        Assert.True(Guid.TryParse((string)m["GUID"]!, out _));
        var version = module.Module.GetName().Version!;
        Assert.Equal($"{version.Major}.{version.Minor}.{version.Build}", m["ModuleVersion"]);
    }

    [Fact]
    public void Every_file_the_manifest_names_is_in_the_module_layout()
    {
        var m = Manifest;
        Assert.Equal("KohakuRiver.PowerShell.dll", m["RootModule"]);
        var files = new[] { (string)m["RootModule"]! }.Concat(List(m["RequiredAssemblies"])).Concat(List(m["FormatsToProcess"])).ToList();
        Assert.Equal(3, files.Count);
        // build.ps1 copies the module's build output and the manifest into out/KohakuRiver/, so the build output is the layout.
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(module.ModuleOutput, f)), $"{f} is in {module.ModuleOutput}"));
    }

    [Fact]
    public void Every_output_type_has_a_default_table_view_of_property_columns_only()
    {
        var path = Path.Combine(module.ModuleOutput, List(Manifest["FormatsToProcess"]).Single());
        var doc = XDocument.Load(path);
        Assert.Empty(doc.Descendants("ScriptBlock"));
        var views = doc.Descendants("View").ToList();
        var outputs = module.Cmdlets.SelectMany(c => c.OutputTypes).Where(t => t.FullName != typeof(string).FullName).DistinctBy(t => t.FullName).ToList();
        Assert.Equal(8, outputs.Count);
        foreach (var type in outputs)
        {
            var view = views.SingleOrDefault(v => v.Element("ViewSelectedBy")?.Element("TypeName")?.Value == type.FullName);
            Assert.True(view is not null, $"a view for {type.FullName}");
            var table = view!.Element("TableControl");
            Assert.NotNull(table);
            var headers = table!.Element("TableHeaders")!.Elements("TableColumnHeader").ToList();
            var items = table.Descendants("TableColumnItem").ToList();
            Assert.Equal(headers.Count, items.Count);
            Assert.All(items, item =>
            {
                var property = item.Element("PropertyName")?.Value;
                Assert.True(property is not null, $"{type.Name}: every column is a property");
                Assert.True(type.GetProperty(property!) is not null, $"{type.Name} has a property {property}");
            });
            Assert.Equal(headers.Select(h => h.Element("Label")?.Value), items.Select(i => i.Element("PropertyName")!.Value));
        }
    }
}
