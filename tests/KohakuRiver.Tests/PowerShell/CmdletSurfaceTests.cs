using KohakuRiver.Core.Errors;
using Xunit;


namespace KohakuRiver.Tests.PowerShell;

/// <summary>Conventions every cmdlet of the built module keeps, checked on its metadata.</summary>
[Collection(ModuleCollection.Name)]
public sealed class CmdletSurfaceTests(ModuleMetadata module)
{
    public static readonly string[] Expected =
    [
        "Connect-RiverCluster", "Connect-RiverTask", "Connect-RiverVps", "Disconnect-RiverCluster", "Enter-RiverEnvironment",
        "Get-RiverCluster", "Get-RiverEnvironment", "Get-RiverHealth", "Get-RiverNode", "Get-RiverNodeHistory", "Get-RiverPortForward",
        "Get-RiverTask", "Get-RiverVps", "Get-RiverVpsSshConfig", "Invoke-RiverEnvironmentCommand", "Invoke-RiverTaskCommand",
        "New-RiverEnvironment", "New-RiverVps",
        "Publish-RiverEnvironment", "Receive-RiverTaskOutput", "Remove-RiverEnvironment", "Restart-RiverVps",
        "Resume-RiverTask", "Start-RiverEnvironment", "Start-RiverPortForward", "Stop-RiverEnvironment", "Stop-RiverPortForward",
        "Stop-RiverTask", "Stop-RiverVps", "Submit-RiverTask", "Suspend-RiverTask", "Wait-RiverTask",
    ];

    private static readonly string[] CommonParameters =
    [
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
        "vb", "db", "ea", "wa", "infa", "proga", "ev", "wv", "iv", "ov", "ob", "pv", "wi", "cf",
    ];

    [Fact]
    public void The_module_has_exactly_the_cmdlets_of_the_issue() =>
        Assert.Equal(Expected, module.Cmdlets.Select(c => c.Name));

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_the_River_noun_prefix_and_its_class_name()
    {
        Assert.All(module.Cmdlets, c =>
        {
            Assert.Contains(c.Verb, ApprovedVerbs.All);
            Assert.StartsWith("River", c.Noun, StringComparison.Ordinal);
            Assert.Equal(c.Verb + c.Noun + "Command", c.Type.Name);
            Assert.Equal("KohakuRiver.PowerShell.Commands", c.Type.Namespace);
            Assert.True(c.Type.IsPublic && c.Type.IsSealed, $"{c.Type.Name} is public and sealed");
            Assert.True(ModuleMetadata.DerivesFrom(c.Type, "System.Management.Automation.PSCmdlet"), $"{c.Name} is a PSCmdlet");
        });
    }

    [Fact]
    public void Every_cmdlet_declares_what_it_writes_as_public_types()
    {
        Assert.All(module.Cmdlets, c =>
        {
            Assert.NotEmpty(c.OutputTypes);
            Assert.All(c.OutputTypes, t => Assert.True(t.IsPublic, $"{c.Name} writes {t}, which is public"));
        });
        Assert.Equal(typeof(string).FullName, module.Cmdlet("Receive-RiverTaskOutput").OutputTypes.Single().FullName);
        Assert.Equal("KohakuRiver.Core.Tasks.RiverTask", module.Cmdlet("Wait-RiverTask").OutputTypes.Single().FullName);
        Assert.Equal("KohakuRiver.Core.Wire.RiverNode", module.Cmdlet("Get-RiverNode").OutputTypes.Single().FullName);
        Assert.Equal("KohakuRiver.Core.Environments.RiverEnvironment", module.Cmdlet("Get-RiverEnvironment").OutputTypes.Single().FullName);
        Assert.Equal("KohakuRiver.Core.Environments.EnvironmentCommandResult", module.Cmdlet("Invoke-RiverEnvironmentCommand").OutputTypes.Single().FullName);
        Assert.Equal("KohakuRiver.Core.Wire.PublishResult", module.Cmdlet("Publish-RiverEnvironment").OutputTypes.Single().FullName);
        Assert.Equal("KohakuRiver.Core.Tasks.TaskCommandResult", module.Cmdlet("Invoke-RiverTaskCommand").OutputTypes.Single().FullName);
        Assert.All(new[] { "Connect-RiverTask", "Enter-RiverEnvironment" },
            n => Assert.Equal("KohakuRiver.Core.Terminals.TerminalSessionResult", module.Cmdlet(n).OutputTypes.Single().FullName));
        Assert.All(new[] { "New-RiverVps", "Get-RiverVps", "Stop-RiverVps", "Restart-RiverVps" },
            n => Assert.Equal("KohakuRiver.Core.Vps.RiverVps", module.Cmdlet(n).OutputTypes.Single().FullName));
        Assert.All(new[] { "Start-RiverPortForward", "Get-RiverPortForward", "Stop-RiverPortForward" },
            n => Assert.Equal("KohakuRiver.Core.Forwarding.PortForward", module.Cmdlet(n).OutputTypes.Single().FullName));
        Assert.All(new[] { "Connect-RiverVps", "Get-RiverVpsSshConfig" },
            n => Assert.Equal(typeof(string).FullName, module.Cmdlet(n).OutputTypes.Single().FullName));
    }

    [Fact]
    public void Cmdlets_that_change_things_support_WhatIf_and_Confirm()
    {
        string[] changing = ["Stop", "Suspend", "Resume", "Disconnect", "Remove", "Restart", "Publish", "Start", "New"];
        Assert.All(module.Cmdlets.Where(c => changing.Contains(c.Verb)), c => Assert.True(c.SupportsShouldProcess, $"{c.Name} supports ShouldProcess"));
        Assert.Equal(14, module.Cmdlets.Count(c => c.SupportsShouldProcess));
    }

    [Fact]
    public void What_cannot_be_undone_asks_first()
    {
        static string Impact(CmdletDescription c) => c.Type.GetCustomAttributesData()
            .Single(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute").NamedArguments
            .Where(n => n.MemberName == "ConfirmImpact").Select(n => n.TypedValue.Value?.ToString()).SingleOrDefault() ?? "<default>";
        // ConfirmImpact's values: None 0, Low 1, Medium 2, High 3; High prompts at the default $ConfirmPreference.
        Assert.Equal("3", Impact(module.Cmdlet("Remove-RiverEnvironment")));
        Assert.Equal("3", Impact(module.Cmdlet("Stop-RiverVps")));
        Assert.All(module.Cmdlets.Where(c => c.SupportsShouldProcess && c.Name is not ("Remove-RiverEnvironment" or "Stop-RiverVps")),
            c => Assert.NotEqual("3", Impact(c)));
    }

    [Fact]
    public void Parameter_sets_have_distinct_positions_and_at_most_one_by_value_parameter()
    {
        Assert.All(module.Cmdlets, c =>
        {
            Assert.All(c.SetNames, set =>
            {
                var members = c.InSet(set).ToList();
                var positions = members.Where(m => m.Meta.Position is not null).Select(m => m.Meta.Position!.Value).ToList();
                Assert.True(positions.Count == positions.Distinct().Count(), $"{c.Name} [{set}] positions {string.Join(",", positions)} are distinct");
                Assert.True(members.Count(m => m.Meta.ByValue) <= 1, $"{c.Name} [{set}] has at most one ValueFromPipeline parameter");
            });
            if (c.DefaultSet is { } d && !c.DeclaredSetNames.Contains(d))
            {
                // A default set no parameter names (New-RiverVps's "no key option") is chosen when none of the other
                // sets' own parameters is given: so each other set must have a mandatory parameter of its own, which
                // also catches a misspelt DefaultParameterSetName.
                Assert.All(c.DeclaredSetNames, set => Assert.True(
                    c.Parameters.Any(p => p.Sets.Any(s => s.Set == set && s.Mandatory) && !p.InAllSets && p.Sets.Count == 1),
                    $"{c.Name}: set {set} has a mandatory parameter of its own, so the unnamed default set {d} is told apart"));
            }
        });
    }

    [Fact]
    public void Parameters_are_switches_not_bools_and_do_not_shadow_common_parameters()
    {
        Assert.All(module.Cmdlets.SelectMany(c => c.Parameters.Select(p => (c, p))), x =>
        {
            Assert.NotEqual(typeof(bool).FullName, x.p.Type.FullName);
            Assert.DoesNotContain(x.p.Name, CommonParameters, StringComparer.OrdinalIgnoreCase);
            Assert.All(x.p.Aliases, a => Assert.DoesNotContain(a, CommonParameters, StringComparer.OrdinalIgnoreCase));
        });
    }

    [Fact]
    public void A_parameter_name_means_the_same_type_in_every_cmdlet()
    {
        var byName = module.Cmdlets.SelectMany(c => c.Parameters).GroupBy(p => p.Name);
        Assert.All(byName, g =>
        {
            var types = g.Select(p => Element(p.Type).FullName).Distinct().ToList();
            Assert.True(types.Count == 1, $"-{g.Key} is {string.Join(" and ", types)}");
        });
        Assert.All(module.Cmdlets.Where(c => c.Parameters.Any(p => p.Name == "TaskId")),
            c => Assert.Equal("System.Int64[]", c.Parameter("TaskId").Type.FullName));
    }

    [Fact]
    public void Ids_names_and_environments_complete_from_the_host()
    {
        var completer = module.Module.GetType("KohakuRiver.PowerShell.Completion.RiverArgumentCompleter", true)!;
        var expected = new Dictionary<string, string>
        {
            ["TaskId"] = "TaskIdCompleter",
            ["NodeName"] = "NodeNameCompleter",
            ["Target"] = "TargetCompleter",
            ["Environment"] = "EnvironmentCompleter",
        };
        var checkedCount = 0;
        foreach (var c in module.Cmdlets)
        foreach (var p in c.Parameters.Where(p => expected.ContainsKey(p.Name)))
        {
            var type = p.CompleterType;
            Assert.True(type is not null, $"{c.Name} -{p.Name} has an argument completer");
            // The VPS cmdlets offer the ids of active VPSs rather than every task.
            var wanted = p.Name == "TaskId" && c.Noun.StartsWith("RiverVps", StringComparison.Ordinal) ? "VpsTaskIdCompleter" : expected[p.Name];
            Assert.True(wanted == type!.Name, $"{c.Name} -{p.Name} completes with {wanted}, not {type.Name}");
            Assert.True(ModuleMetadata.DerivesFrom(type, completer.FullName!));
            Assert.Contains(type.GetInterfaces(), i => i.FullName == "System.Management.Automation.IArgumentCompleter");
            Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
            checkedCount++;
        }
        Assert.Equal(31, checkedCount);
    }

    [Fact]
    public void Memory_takes_sizes_and_Status_takes_wire_names_through_transformations()
    {
        var memory = module.Cmdlet("Submit-RiverTask").Parameter("Memory");
        Assert.Equal("System.Int64", memory.Type.FullName);
        Assert.True(memory.Has("MemorySizeTransformationAttribute"));
        var status = module.Cmdlet("Get-RiverTask").Parameter("Status");
        Assert.Equal("KohakuRiver.Core.Models.RiverTaskStatus[]", status.Type.FullName);
        Assert.True(status.Has("TaskStatusTransformationAttribute"));
        foreach (var name in new[] { "MemorySizeTransformationAttribute", "TaskStatusTransformationAttribute" })
            Assert.True(ModuleMetadata.DerivesFrom(module.Module.GetType("KohakuRiver.PowerShell.Hosting." + name, true),
                "System.Management.Automation.ArgumentTransformationAttribute"));
    }

    [Fact]
    public void Wait_follows_the_Wait_Job_contract_in_its_parameters()
    {
        var wait = module.Cmdlet("Wait-RiverTask");
        var timeout = wait.Parameter("Timeout");
        Assert.Equal("System.Int32", timeout.Type.FullName);
        Assert.Contains("TimeoutSec", timeout.Aliases);
        var range = timeout.Attributes.Single(a => a.AttributeType.Name == "ValidateRangeAttribute");
        Assert.Equal(-1, range.ConstructorArguments[0].Value);
        Assert.Equal("System.Management.Automation.SwitchParameter", wait.Parameter("Any").Type.FullName);
        var ids = wait.Parameter("TaskId").Sets.Single();
        Assert.True(ids.Mandatory && ids.ByValue && ids.ByPropertyName && ids.Position == 0);
    }

    [Fact]
    public void Every_error_category_Core_reports_is_a_PowerShell_ErrorCategory()
    {
        var names = module.SmaType("ErrorCategory").GetEnumNames();
        Assert.All(Enum.GetNames<RiverErrorCategory>(), n => Assert.Contains(n, names));
    }

    [Fact]
    public void The_module_targets_net8_and_references_only_Core_PowerShell_and_the_framework()
    {
        var framework = module.Module.GetCustomAttributesData().Single(a => a.AttributeType.Name == "TargetFrameworkAttribute");
        Assert.Equal(".NETCoreApp,Version=v8.0", framework.ConstructorArguments[0].Value);
        var references = module.Module.GetReferencedAssemblies().Select(r => r.Name!).ToList();
        Assert.Contains("KohakuRiver.Core", references);
        Assert.Contains("System.Management.Automation", references);
        Assert.All(references, r => Assert.True(
            r is "KohakuRiver.Core" or "System.Management.Automation" or "netstandard" || r.StartsWith("System.", StringComparison.Ordinal) ||
            r.StartsWith("Microsoft.", StringComparison.Ordinal), $"unexpected reference {r}"));
        var sma = module.Module.GetReferencedAssemblies().Single(r => r.Name == "System.Management.Automation");
        Assert.True(sma.Version! <= new Version(7, 4), $"compiled against System.Management.Automation {sma.Version}");
    }

    [Fact]
    public void PowerShellStandard_is_not_copied_next_to_the_module()
    {
        Assert.False(File.Exists(Path.Combine(module.ModuleOutput, "System.Management.Automation.dll")));
        Assert.DoesNotContain("PowerShellStandard", File.ReadAllText(Path.Combine(module.ModuleOutput, "KohakuRiver.PowerShell.deps.json")));
    }

    private static Type Element(Type t) => t.IsArray ? t.GetElementType()! : t;
}
