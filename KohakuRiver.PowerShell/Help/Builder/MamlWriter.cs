using System.Xml;
using System.Xml.Linq;
using KohakuRiver.ModuleInspection;

namespace KohakuRiver.HelpBuilder;

/// <summary>
/// Writes MAML, the help format Get-Help reads for binary modules, in the shape platyPS writes. Syntax and parameter
/// metadata come from the built cmdlet (so they are never out of date); the words come from the Markdown. Get-Help
/// shows only what the MAML says once a MAML file exists, so every parameter set gets a syntax item.
/// </summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>What PowerShell adds to a ShouldProcess cmdlet; described here, not in every Markdown file.</summary>
    private static readonly (string Name, string Text)[] RiskParameters =
    [
        ("WhatIf", "Shows what would happen if the cmdlet runs. The cmdlet is not run."),
        ("Confirm", "Prompts you for confirmation before running the cmdlet."),
    ];

    public static void Write(IEnumerable<(CmdletDescription Cmdlet, CommandHelp Help)> commands, string path)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            commands.Select(c => Command_(c.Cmdlet, c.Help)));
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        using var writer = XmlWriter.Create(path, settings);
        new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(writer);
    }

    private static XElement Command_(CmdletDescription cmdlet, CommandHelp help)
    {
        var described = help.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                Description(help.Synopsis)),
            Description(help.Description),
            new XElement(Command + "syntax", cmdlet.SetNames.Select(set => SyntaxItem(cmdlet, set, described))),
            new XElement(Command + "parameters",
                help.Parameters.Select(p => Parameter(cmdlet.Parameter(p.Name), null, p)),
                cmdlet.SupportsShouldProcess ? RiskParameters.Select(r => RiskParameter(r.Name, r.Text)) : null),
            new XElement(Command + "inputTypes", Inputs(cmdlet)),
            new XElement(Command + "returnValues", cmdlet.OutputTypes.Select(t =>
                new XElement(Command + "returnValue", TypeElement(t), Description([])))),
            help.Notes.Count == 0 ? null : new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(help.Notes))),
            new XElement(Command + "examples", help.Examples.Select(e => new XElement(Command + "example",
                new XElement(Maml + "title", $"--------- {e.Title} ---------"),
                new XElement(Dev + "code", e.Code),
                // The empty paragraph keeps a blank line between one example's remarks and the next title.
                new XElement(Dev + "remarks", Paragraphs(e.Remarks), new XElement(Maml + "para"))))),
            new XElement(Command + "relatedLinks", help.Links.Select(l => new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", l.Text),
                new XElement(Maml + "uri", l.Uri ?? "")))));
    }

    /// <summary>One parameter set: positional parameters by position, then mandatory ones, then the rest, as
    /// PowerShell orders a syntax line.</summary>
    private static XElement SyntaxItem(CmdletDescription cmdlet, string set, IReadOnlyDictionary<string, ParameterHelp> described)
    {
        var ordered = cmdlet.InSet(set)
            .Select((x, i) => (x.Parameter, x.Meta, Index: i))
            .OrderBy(x => x.Meta.Position ?? int.MaxValue)
            .ThenBy(x => x.Meta.Mandatory ? 0 : 1)
            .ThenBy(x => x.Index);
        return new XElement(Command + "syntaxItem",
            new XElement(Maml + "name", cmdlet.Name),
            ordered.Select(x => Parameter(x.Parameter, x.Meta, described[x.Parameter.Name], inSyntax: true)),
            cmdlet.SupportsShouldProcess ? RiskParameters.Select(r => RiskParameter(r.Name, r.Text, inSyntax: true)) : null);
    }

    /// <summary>A parameter, as it is in one set (<paramref name="meta"/>, for syntax) or overall (null).</summary>
    private static XElement Parameter(CmdletParameter parameter, ParameterInSet? meta, ParameterHelp help, bool inSyntax = false)
    {
        var sets = meta is null ? parameter.Sets : [meta];
        var required = sets.All(s => s.Mandatory);
        var position = sets.Select(s => s.Position).FirstOrDefault(p => p is not null);
        var byValue = sets.Any(s => s.ByValue);
        var byName = sets.Any(s => s.ByPropertyName);
        var pipeline = (byValue, byName) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
        var type = Underlying(parameter.Type);
        var isSwitch = type.FullName == "System.Management.Automation.SwitchParameter";
        var element = type.IsArray ? type.GetElementType()! : type;
        return new XElement(Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", type.IsArray ? "true" : "false"),
            new XAttribute("globbing", parameter.Has("SupportsWildcardsAttribute") ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases)),
            new XElement(Maml + "name", parameter.Name),
            Description(help.Text),
            // A switch shows as [-Name] in a syntax line; an enum lists the values it takes.
            inSyntax && element.IsEnum
                ? new XElement(Command + "parameterValueGroup", element.GetEnumNames().Select(n =>
                    new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), n)))
                : inSyntax && isSwitch ? null
                : new XElement(Command + "parameterValue", new XAttribute("required", "true"),
                    new XAttribute("variableLength", type.IsArray ? "true" : "false"), ShortName(type)),
            TypeElement(type),
            new XElement(Dev + "defaultValue", help.DefaultValue ?? (isSwitch ? "False" : "None")));
    }

    private static XElement RiskParameter(string name, string text, bool inSyntax = false) => new(Command + "parameter",
        new XAttribute("required", "false"), new XAttribute("variableLength", "false"), new XAttribute("globbing", "false"),
        new XAttribute("pipelineInput", "False"), new XAttribute("position", "named"),
        new XAttribute("aliases", name == "WhatIf" ? "wi" : "cf"),
        new XElement(Maml + "name", name),
        Description([text]),
        inSyntax ? null : new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), "SwitchParameter"),
        new XElement(Dev + "type", new XElement(Maml + "name", "System.Management.Automation.SwitchParameter"), new XElement(Maml + "uri")),
        new XElement(Dev + "defaultValue", "False"));

    /// <summary>What the cmdlet takes from the pipeline: each parameter that binds from it, and how.</summary>
    private static IEnumerable<XElement> Inputs(CmdletDescription cmdlet)
    {
        var piped = cmdlet.Parameters.Where(p => p.Sets.Any(s => s.ByValue || s.ByPropertyName)).ToList();
        if (piped.Count == 0)
        {
            yield return new XElement(Command + "inputType",
                new XElement(Dev + "type", new XElement(Maml + "name", "None"), new XElement(Maml + "uri")),
                Description(["Nothing comes from the pipeline."]));
            yield break;
        }
        foreach (var p in piped)
        {
            var byValue = p.Sets.Any(s => s.ByValue);
            var byName = p.Sets.Any(s => s.ByPropertyName);
            var how = (byValue, byName) switch
            {
                (true, true) => $"binds to -{p.Name}, by value or from an object's {p.Name} property.",
                (true, false) => $"binds to -{p.Name} by value.",
                _ => $"An object's {p.Name} property binds to -{p.Name}.",
            };
            yield return new XElement(Command + "inputType", TypeElement(Underlying(p.Type)),
                Description([byValue ? $"{ShortName(Underlying(p.Type))} {how}" : how]));
        }
    }

    private static Type Underlying(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : type;

    private static string ShortName(Type type) => type.IsArray ? ShortName(type.GetElementType()!) + "[]" : type.Name;

    private static string FullName(Type type) => type.IsArray ? FullName(type.GetElementType()!) + "[]" : type.FullName ?? type.Name;

    private static XElement TypeElement(Type type) =>
        new(Dev + "type", new XElement(Maml + "name", FullName(Underlying(type))), new XElement(Maml + "uri"));

    private static XElement Description(IEnumerable<string> paragraphs) => new(Maml + "description", Paragraphs(paragraphs));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<string> paragraphs) =>
        paragraphs.Select(p => new XElement(Maml + "para", p));
}
