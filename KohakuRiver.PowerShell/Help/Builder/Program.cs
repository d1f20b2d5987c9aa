using KohakuRiver.HelpBuilder;
using KohakuRiver.ModuleInspection;

// kohakuriver-helpbuilder --module <output folder> --sma <System.Management.Automation.dll> --manifest <psd1>
//                         --source <Help/en-US> --out <output folder/en-US>
// Errors are written in MSBuild's canonical form ("file: error KRHELP: ..."), so the build shows each one.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2) options[args[i]] = args[i + 1];
string Option(string name) => options.TryGetValue(name, out var v) ? v
    : throw new ArgumentException($"missing {name}; usage: --module DIR --sma DLL --manifest PSD1 --source DIR --out DIR");

try
{
    var source = Path.GetFullPath(Option("--source"));
    var manifestPath = Path.GetFullPath(Option("--manifest"));
    var exported = Psd1Reader.Read(File.ReadAllText(manifestPath)).TryGetValue("CmdletsToExport", out var list) && list is IEnumerable<object?> names
        ? names.Select(n => (string)n!).ToList()
        : throw new InvalidDataException($"{manifestPath} has no CmdletsToExport list");

    using var module = ModuleMetadata.Load(Path.GetFullPath(Option("--module")), Path.GetFullPath(Option("--sma")));
    var errors = new List<string>();
    var commands = new List<(CmdletDescription, CommandHelp)>();
    foreach (var name in exported)
    {
        var cmdlet = module.Cmdlets.FirstOrDefault(c => c.Name == name);
        var file = Path.Combine(source, name + ".md");
        if (cmdlet is null)
        {
            errors.Add($"{manifestPath}: error KRHELP: the manifest exports {name}, which the built module does not have");
            continue;
        }
        if (!File.Exists(file))
        {
            errors.Add($"{file}: error KRHELP: {name} is exported but has no help file; write {name}.md (see Help/README.md)");
            continue;
        }
        var help = CommandHelp.Parse(file, File.ReadAllText(file), errors);
        if (help is null) continue;
        HelpChecks.Check(file, cmdlet, help, errors);
        commands.Add((cmdlet, help));
    }
    foreach (var stray in Directory.GetFiles(source, "*.md").Select(Path.GetFileNameWithoutExtension)
                 .Where(n => !exported.Contains(n!, StringComparer.Ordinal)))
        errors.Add($"{Path.Combine(source, stray + ".md")}: error KRHELP: {stray} is not a cmdlet the manifest exports");

    if (errors.Count > 0)
    {
        foreach (var e in errors) Console.Error.WriteLine(e);
        return 1;
    }

    var output = Path.GetFullPath(Option("--out"));
    Directory.CreateDirectory(output);
    var maml = Path.Combine(output, Path.GetFileName(module.ModulePath) + "-Help.xml");
    MamlWriter.Write(commands, maml);
    foreach (var about in Directory.GetFiles(source, "about_*.help.txt"))
        File.Copy(about, Path.Combine(output, Path.GetFileName(about)), overwrite: true);
    Console.WriteLine($"help: {commands.Count} cmdlets -> {maml}");
    return 0;
}
catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or FormatException or UnauthorizedAccessException
                               or System.Xml.XmlException)
{
    Console.Error.WriteLine($"KohakuRiver.HelpBuilder: error KRHELP: {e.Message}");
    return 1;
}
