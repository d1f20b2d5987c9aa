using System.Reflection;
using Xunit;

namespace KohakuRiver.Tests.PowerShell;

/// <summary>
/// The pipelines the issue promises, checked the way PowerShell binds them: the producer's declared output type must
/// have, under the consumer's ByPropertyName parameter names (or aliases), properties of a type that converts, and
/// no other property may bind by accident.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class PipelineBindingTests(ModuleMetadata module)
{
    public static TheoryData<string, string, string[]> Chains => new()
    {
        { "Submit-RiverTask", "Wait-RiverTask", ["TaskId"] },
        { "Submit-RiverTask", "Get-RiverTask", ["TaskId", "BatchId", "NodeName"] },
        { "Wait-RiverTask", "Receive-RiverTaskOutput", ["TaskId"] },
        { "Wait-RiverTask", "Stop-RiverTask", ["TaskId"] },
        { "Get-RiverTask", "Wait-RiverTask", ["TaskId"] },
        { "Get-RiverTask", "Receive-RiverTaskOutput", ["TaskId"] },
        { "Get-RiverTask", "Stop-RiverTask", ["TaskId"] },
        { "Get-RiverTask", "Suspend-RiverTask", ["TaskId"] },
        { "Get-RiverTask", "Resume-RiverTask", ["TaskId"] },
        { "Suspend-RiverTask", "Resume-RiverTask", ["TaskId"] },
        { "Get-RiverTask", "Get-RiverNode", ["NodeName"] },
        { "Get-RiverNode", "Get-RiverTask", ["NodeName"] },
        // Objects that must not bind to task commands by accident.
        { "Get-RiverNode", "Stop-RiverTask", [] },
        { "Get-RiverNode", "Wait-RiverTask", [] },
        { "Get-RiverHealth", "Get-RiverTask", [] },
        { "Get-RiverCluster", "Get-RiverTask", [] },
        { "Get-RiverCluster", "Stop-RiverTask", [] },
        // Environments: the name travels as Environment and binds -Environment (whose alias is -Name).
        { "Get-RiverEnvironment", "Publish-RiverEnvironment", ["Environment"] },
        { "Get-RiverEnvironment", "Remove-RiverEnvironment", ["Environment"] },
        { "Get-RiverEnvironment", "Start-RiverEnvironment", ["Environment"] },
        { "Get-RiverEnvironment", "Stop-RiverEnvironment", ["Environment"] },
        { "Get-RiverEnvironment", "New-RiverVps", ["Environment"] },
        { "New-RiverEnvironment", "Get-RiverEnvironment", ["Environment"] },
        { "Start-RiverEnvironment", "Publish-RiverEnvironment", ["Environment"] },
        { "Invoke-RiverEnvironmentCommand", "Publish-RiverEnvironment", ["Environment"] },
        { "Publish-RiverEnvironment", "Get-RiverEnvironment", ["Environment"] },
        // A task or a VPS shows the environment it runs in, not one named like the task.
        { "Get-RiverTask", "Get-RiverEnvironment", ["Environment"] },
        { "Get-RiverVps", "Get-RiverEnvironment", ["Environment"] },
        // VPSs are tasks: their TaskId binds the VPS and the task cmdlets alike.
        { "New-RiverVps", "Connect-RiverVps", ["TaskId"] },
        { "New-RiverVps", "Get-RiverVpsSshConfig", ["TaskId"] },
        { "New-RiverVps", "Wait-RiverTask", ["TaskId"] },
        { "Get-RiverVps", "Stop-RiverVps", ["TaskId"] },
        { "Get-RiverVps", "Restart-RiverVps", ["TaskId"] },
        { "Get-RiverVps", "Connect-RiverVps", ["TaskId"] },
        { "Restart-RiverVps", "Get-RiverVpsSshConfig", ["TaskId"] },
        { "Get-RiverVps", "Get-RiverTask", ["TaskId", "NodeName"] },
        { "Get-RiverVps", "Receive-RiverTaskOutput", ["TaskId"] },
        { "Get-RiverVps", "Get-RiverNode", ["NodeName"] },
        { "Get-RiverTask", "Get-RiverVps", ["TaskId"] },
        // Nothing binds where it means something else.
        { "Get-RiverEnvironment", "Get-RiverTask", [] },
        { "Get-RiverEnvironment", "Stop-RiverVps", [] },
        { "Get-RiverEnvironment", "Get-RiverNode", [] },
        { "Get-RiverNode", "Stop-RiverVps", [] },
        { "Get-RiverNode", "Get-RiverEnvironment", [] },
        { "Get-RiverCluster", "Remove-RiverEnvironment", [] },
        { "Get-RiverHealth", "Remove-RiverEnvironment", [] },
    };

    /// <summary>Chains whose consumer needs more than the pipeline gives: the rest comes from the command line.</summary>
    public static TheoryData<string, string, string[], string[]> ChainsWithArguments => new()
    {
        // Get-RiverEnvironment py | Invoke-RiverEnvironmentCommand 'pip install torch'
        { "Get-RiverEnvironment", "Invoke-RiverEnvironmentCommand", ["Environment"], ["Command"] },
        { "New-RiverEnvironment", "Invoke-RiverEnvironmentCommand", ["Environment"], ["Command"] },
        // Get-RiverEnvironment py | Submit-RiverTask 'python -V'
        { "Get-RiverEnvironment", "Submit-RiverTask", ["Environment"], ["Command"] },
        { "Get-RiverTask", "Submit-RiverTask", ["Environment"], ["Command"] },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void Objects_bind_along_the_pipeline_by_property_name(string producer, string consumer, string[] expected) =>
        AssertChain(producer, consumer, expected, []);

    [Theory]
    [MemberData(nameof(ChainsWithArguments))]
    public void Objects_bind_along_the_pipeline_with_the_rest_given_on_the_command_line(string producer, string consumer, string[] expected,
        string[] given) => AssertChain(producer, consumer, expected, given);

    [Fact]
    public void A_task_binds_the_environment_cmdlets_by_its_Environment_although_it_also_has_a_Name()
    {
        var task = module.Core.GetType("KohakuRiver.Core.Wire.RiverTask", true)!;
        Assert.NotNull(task.GetProperty("Name"));
        foreach (var consumer in module.Cmdlets.Where(c => c.Noun == "RiverEnvironment"))
        {
            var parameter = consumer.Parameter("Environment");
            Assert.Contains("Name", parameter.Aliases);
            foreach (var set in consumer.SetNames)
            foreach (var (p, property) in Bind(consumer, set, task))
                Assert.True(p.Name != "Environment" || property.Name == "Environment", $"{consumer.Name} -Environment binds the task's {property.Name}");
        }
    }

    private void AssertChain(string producer, string consumer, string[] expected, string[] given)
    {
        var output = module.Cmdlet(producer).OutputTypes.Single();
        var target = module.Cmdlet(consumer);
        var set = target.DefaultSet ?? target.SetNames.Single();
        var bound = Bind(target, set, output);

        Assert.Equal(expected.Order(), bound.Select(b => b.Parameter.Name).Order());
        foreach (var (parameter, property) in bound)
            Assert.True(Converts(property.PropertyType, parameter.Type),
                $"{producer} | {consumer}: {output.Name}.{property.Name} ({property.PropertyType}) binds to -{parameter.Name} ({parameter.Type})");
        if (expected.Length > 0)
        {
            // Whatever the set still needs after pipeline binding is given, so the chain runs without prompting.
            var unbound = target.InSet(set).Where(m => m.Meta.Mandatory && bound.All(b => b.Parameter != m.Parameter)).Select(m => m.Parameter.Name);
            Assert.Equal(given.Order(), unbound.Order());
        }
    }

    [Fact]
    public void Nothing_any_cmdlet_writes_binds_to_a_parameter_of_an_incompatible_type()
    {
        var outputs = module.Cmdlets.SelectMany(c => c.OutputTypes).Where(t => t.FullName != typeof(string).FullName).Distinct().ToList();
        Assert.NotEmpty(outputs);
        foreach (var consumer in module.Cmdlets)
        foreach (var set in consumer.SetNames)
        foreach (var output in outputs)
        foreach (var (parameter, property) in Bind(consumer, set, output))
            Assert.True(Converts(property.PropertyType, parameter.Type),
                $"{output.Name}.{property.Name} ({property.PropertyType}) would bind to {consumer.Name} -{parameter.Name} ({parameter.Type})");
    }

    [Fact]
    public void Task_and_node_objects_carry_their_ids_under_distinct_names()
    {
        var task = module.Core.GetType("KohakuRiver.Core.Wire.RiverTask", true)!;
        var node = module.Core.GetType("KohakuRiver.Core.Wire.RiverNode", true)!;
        Assert.Equal("System.Int64", task.GetProperty("TaskId")!.PropertyType.FullName);
        Assert.Null(node.GetProperty("TaskId"));
        Assert.Null(node.GetProperty("Name"));
        Assert.Equal("System.String", node.GetProperty("NodeName")!.PropertyType.FullName);
    }

    [Fact]
    public void Environment_and_VPS_objects_carry_their_keys_under_the_names_that_bind()
    {
        foreach (var name in new[] { "Environments.RiverEnvironment", "Environments.EnvironmentCommandResult", "Wire.PublishResult", "Wire.EnvironmentContainer" })
        {
            var type = module.Core.GetType("KohakuRiver.Core." + name, true)!;
            Assert.Equal("System.String", type.GetProperty("Environment")!.PropertyType.FullName);
            Assert.Null(type.GetProperty("Name"));
            Assert.Null(type.GetProperty("TaskId"));
        }
        var vps = module.Core.GetType("KohakuRiver.Core.Vps.RiverVps", true)!;
        Assert.Equal("System.Int64", vps.GetProperty("TaskId")!.PropertyType.FullName);
        Assert.Equal("System.String", vps.GetProperty("NodeName")!.PropertyType.FullName);
        // A private key is never part of what the VPS cmdlets write, only the path of its file.
        Assert.DoesNotContain(vps.GetProperties(), p => p.Name.Contains("PrivateKey", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("System.String", vps.GetProperty("IdentityFile")!.PropertyType.FullName);
    }

    /// <summary>The consumer's ByPropertyName parameters in the set that the producer's properties would fill. As
    /// PowerShell's binder does: a property named like the parameter first, and only without one, the aliases in order.</summary>
    private static List<(CmdletParameter Parameter, PropertyInfo Property)> Bind(CmdletDescription consumer, string set, Type producer)
    {
        var properties = producer.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var result = new List<(CmdletParameter, PropertyInfo)>();
        foreach (var (parameter, meta) in consumer.InSet(set))
        {
            if (!meta.ByPropertyName) continue;
            var match = new[] { parameter.Name }.Concat(parameter.Aliases)
                .Select(n => properties.FirstOrDefault(p => string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase)))
                .FirstOrDefault(p => p is not null);
            if (match is not null) result.Add((parameter, match));
        }
        return result;
    }

    /// <summary>Conversions PowerShell's binder makes without surprises: same type (through Nullable and arrays),
    /// anything to string, integer widening.</summary>
    private static bool Converts(Type from, Type to)
    {
        var source = Unwrap(from);
        var target = Unwrap(to.IsArray ? to.GetElementType()! : to);
        if (source.FullName == target.FullName || target.FullName == "System.String") return true;
        string[] widening = ["System.Byte", "System.Int16", "System.Int32", "System.UInt16", "System.UInt32"];
        return target.FullName == "System.Int64" && widening.Contains(source.FullName);
    }

    private static Type Unwrap(Type t) =>
        t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? t.GetGenericArguments()[0] : t;
}
