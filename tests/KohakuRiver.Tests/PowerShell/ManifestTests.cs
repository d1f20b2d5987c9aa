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

    /// <summary>Every column shows one property, under its own name: by the property itself, or (for a task's sweep
    /// values, shown as "lr=0.1 seed=1") a script block over that property alone. How they render is checked by
    /// running Out-String in a runspace (Runspaces/DefaultViewTests).</summary>
    [Fact]
    public void Every_output_type_has_a_default_table_view_of_property_columns_only()
    {
        var path = Path.Combine(module.ModuleOutput, List(Manifest["FormatsToProcess"]).Single());
        var doc = XDocument.Load(path);
        var views = doc.Descendants("View").ToList();
        var outputs = module.Cmdlets.SelectMany(c => c.OutputTypes).Where(t => t.FullName != typeof(string).FullName).DistinctBy(t => t.FullName).ToList();
        Assert.Equal(12, outputs.Count);
        foreach (var type in outputs)
        {
            var view = views.SingleOrDefault(v => v.Element("ViewSelectedBy")?.Element("TypeName")?.Value == type.FullName);
            Assert.True(view is not null, $"a view for {type.FullName}");
            var table = view!.Element("TableControl");
            Assert.NotNull(table);
            var headers = table!.Element("TableHeaders")!.Elements("TableColumnHeader").ToList();
            var items = table.Descendants("TableColumnItem").ToList();
            Assert.Equal(headers.Count, items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var label = headers[i].Element("Label")?.Value;
                Assert.True(label is not null && type.GetProperty(label) is not null, $"{type.Name}: column {i} is labelled by a property");
                var property = items[i].Element("PropertyName")?.Value;
                var script = items[i].Element("ScriptBlock")?.Value;
                if (property is not null) Assert.Equal(label, property);
                else Assert.True(script is not null && script.Contains($"$_.{label}") &&
                                 !System.Text.RegularExpressions.Regex.IsMatch(script.Replace($"$_.{label}", ""), @"\$_\.\w"),
                    $"{type.Name}: column {label} shows {label} alone");
            }
        }
    }
}
