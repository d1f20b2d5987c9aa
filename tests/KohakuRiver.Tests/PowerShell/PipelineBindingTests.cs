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
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void Objects_bind_along_the_pipeline_by_property_name(string producer, string consumer, string[] expected)
    {
        var output = module.Cmdlet(producer).OutputTypes.Single();
        var target = module.Cmdlet(consumer);
        var set = target.SetNames.Single();
        var bound = Bind(target, set, output);

        Assert.Equal(expected.Order(), bound.Select(b => b.Parameter.Name).Order());
        foreach (var (parameter, property) in bound)
            Assert.True(Converts(property.PropertyType, parameter.Type),
                $"{producer} | {consumer}: {output.Name}.{property.Name} ({property.PropertyType}) binds to -{parameter.Name} ({parameter.Type})");
        if (expected.Length > 0)
        {
            // Whatever the set still needs after pipeline binding is given, so the chain runs without prompting.
            var unbound = target.InSet(set).Where(m => m.Meta.Mandatory && bound.All(b => b.Parameter != m.Parameter)).Select(m => m.Parameter.Name);
            Assert.Empty(unbound);
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

    /// <summary>The consumer's ByPropertyName parameters in the set that the producer's properties would fill.</summary>
    private static List<(CmdletParameter Parameter, PropertyInfo Property)> Bind(CmdletDescription consumer, string set, Type producer)
    {
        var properties = producer.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var result = new List<(CmdletParameter, PropertyInfo)>();
        foreach (var (parameter, meta) in consumer.InSet(set))
        {
            if (!meta.ByPropertyName) continue;
            var names = new[] { parameter.Name }.Concat(parameter.Aliases);
            var match = properties.FirstOrDefault(p => names.Contains(p.Name, StringComparer.OrdinalIgnoreCase));
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
