namespace KohakuRiver.HelpBuilder;

/// <summary>One example: a title, the code as typed, and what it does.</summary>
public sealed record HelpExample(string Title, string Code, IReadOnlyList<string> Remarks);

/// <summary>A parameter's text, and its default value when the source gives one (the dll cannot say: it is not run).</summary>
public sealed record ParameterHelp(string Name, IReadOnlyList<string> Text, string? DefaultValue, int Line);

/// <summary>A related link: a command or topic name, with an address for web pages.</summary>
public sealed record HelpLink(string Text, string? Uri);

/// <summary>
/// The help of one cmdlet as its Markdown source says it (the layout is Help/README.md's). Text becomes paragraphs:
/// lines of one paragraph are joined, a blank line or a list item ("- ") starts the next, and a fenced block stays one
/// paragraph with its lines kept.
/// </summary>
public sealed record CommandHelp(
    string Name,
    IReadOnlyList<string> Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<HelpExample> Examples,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<string> Notes,
    IReadOnlyList<HelpLink> Links)
{
    private static readonly string[] Sections = ["SYNOPSIS", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "NOTES", "RELATED LINKS"];
    private const string DefaultPrefix = "Default value:";

    /// <summary>Reads one file; adds what is wrong with it to <paramref name="errors"/> and returns null if anything is.</summary>
    public static CommandHelp? Parse(string path, string text, List<string> errors)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var before = errors.Count;
        void Error(int line, string message) => errors.Add($"{path}({line + 1}): error KRHELP: {message}");

        var name = Path.GetFileNameWithoutExtension(path);
        var title = Array.FindIndex(lines, l => l.Length > 0);
        if (title < 0 || lines[title] != "# " + name) Error(Math.Max(title, 0), $"the file must start with '# {name}'");

        // Sections ("## NAME") and, inside EXAMPLES and PARAMETERS, entries ("### ...").
        var sections = new Dictionary<string, (int Start, int End)>();
        for (var i = Math.Max(title + 1, 0); i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("## ", StringComparison.Ordinal)) continue;
            var section = lines[i][3..].Trim();
            if (!Sections.Contains(section)) Error(i, $"unknown section '{section}'; sections are {string.Join(", ", Sections)}");
            else if (!sections.TryAdd(section, (i + 1, lines.Length))) Error(i, $"section '{section}' given twice");
            var open = sections.Keys.Where(k => k != section && sections[k].End == lines.Length).ToList();
            foreach (var k in open) sections[k] = (sections[k].Start, i);
        }
        foreach (var required in Sections.Take(4).Where(s => !sections.ContainsKey(s)))
            Error(0, $"no '## {required}' section");
        if (errors.Count > before) return null;

        IReadOnlyList<string> Paragraphs(string section) =>
            sections.TryGetValue(section, out var r) ? ToParagraphs(lines[r.Start..r.End]) : [];

        var examples = new List<HelpExample>();
        foreach (var (heading, start, end) in Entries(lines, sections["EXAMPLES"]))
        {
            var fence = Array.FindIndex(lines, start, end - start, l => l.StartsWith("```", StringComparison.Ordinal));
            var close = fence < 0 ? -1 : Array.FindIndex(lines, fence + 1, end - fence - 1, l => l.StartsWith("```", StringComparison.Ordinal));
            if (close < 0)
            {
                Error(start - 1, $"example '{heading}' needs its code in a fenced block (```powershell ... ```)");
                continue;
            }
            var code = string.Join("\n", lines[(fence + 1)..close]).Trim('\n');
            var remarks = ToParagraphs(lines[start..fence].Concat(lines[(close + 1)..end]).ToArray());
            if (code.Trim().Length == 0) Error(fence, $"example '{heading}' has no code");
            if (remarks.Count == 0) Error(start - 1, $"example '{heading}' has no sentence that says what it does");
            examples.Add(new HelpExample(heading, code, remarks));
        }
        if (examples.Count < 2) Error(sections["EXAMPLES"].Start - 1, $"{name} needs at least two examples, it has {examples.Count}");

        var parameters = new List<ParameterHelp>();
        foreach (var (heading, start, end) in Entries(lines, sections["PARAMETERS"]))
        {
            if (!heading.StartsWith('-') || heading.Length < 2 || heading.Contains(' '))
            {
                Error(start - 1, $"a parameter's heading is '### -Name', not '### {heading}'");
                continue;
            }
            var body = lines[start..end];
            var defaultLine = body.FirstOrDefault(l => l.StartsWith(DefaultPrefix, StringComparison.Ordinal));
            var paragraphs = ToParagraphs(body.Where(l => l != defaultLine).ToArray());
            parameters.Add(new ParameterHelp(heading[1..], paragraphs, defaultLine?[DefaultPrefix.Length..].Trim(), start - 1));
        }

        var links = new List<HelpLink>();
        if (sections.TryGetValue("RELATED LINKS", out var linkRange))
        {
            for (var i = linkRange.Start; i < linkRange.End; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0) continue;
                if (!line.StartsWith("- ", StringComparison.Ordinal))
                {
                    Error(i, "a related link is a list item: '- Command-Name' or '- [text](https://...)'");
                    continue;
                }
                var item = line[2..].Trim();
                var close = item.IndexOf("](", StringComparison.Ordinal);
                links.Add(item.StartsWith('[') && close > 0 && item.EndsWith(')')
                    ? new HelpLink(item[1..close], item[(close + 2)..^1])
                    : new HelpLink(item, null));
            }
        }

        return errors.Count > before ? null
            : new CommandHelp(name, Paragraphs("SYNOPSIS"), Paragraphs("DESCRIPTION"), examples, parameters, Paragraphs("NOTES"), links);
    }

    /// <summary>The "### heading" entries of a section: each heading and the lines under it.</summary>
    private static IEnumerable<(string Heading, int Start, int End)> Entries(string[] lines, (int Start, int End) section)
    {
        var heads = Enumerable.Range(section.Start, section.End - section.Start)
            .Where(i => lines[i].StartsWith("### ", StringComparison.Ordinal)).ToList();
        for (var k = 0; k < heads.Count; k++)
            yield return (lines[heads[k]][4..].Trim(), heads[k] + 1, k + 1 < heads.Count ? heads[k + 1] : section.End);
    }

    public static IReadOnlyList<string> ToParagraphs(string[] lines)
    {
        var paragraphs = new List<string>();
        var current = new List<string>();
        void Flush()
        {
            if (current.Count > 0) paragraphs.Add(string.Join(" ", current));
            current.Clear();
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                var block = new List<string>();
                for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++) block.Add(lines[i].TrimEnd());
                paragraphs.Add(string.Join("\n", block));
                continue;
            }
            if (line.Trim().Length == 0)
            {
                Flush();
                continue;
            }
            if (line.StartsWith("- ", StringComparison.Ordinal)) Flush();
            current.Add(line.Trim());
        }
        Flush();
        return paragraphs;
    }
}
