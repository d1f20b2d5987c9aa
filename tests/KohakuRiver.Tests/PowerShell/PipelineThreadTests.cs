using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Xunit;

namespace KohakuRiver.Tests.PowerShell;

/// <summary>
/// PowerShell allows writes to the pipeline only on the pipeline thread, and an await continuation is not. So no async
/// method of the module (no async state machine) may call a Cmdlet write method itself: it must post the write to the
/// pump. Checked by decoding the IL of every state machine's MoveNext in the built dll.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class PipelineThreadTests(ModuleMetadata module)
{
    private static readonly HashSet<string> PipelineOnly =
    [
        "WriteObject", "WriteError", "WriteProgress", "WriteVerbose", "WriteWarning", "WriteDebug", "WriteInformation",
        "ThrowTerminatingError", "ShouldProcess", "ShouldContinue", "WriteRiverError", "ThrowRiverError", "Emit",
    ];

    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

    [Fact]
    public void No_async_method_writes_to_the_pipeline_itself()
    {
        using var pe = new PEReader(File.OpenRead(module.ModulePath));
        var md = pe.GetMetadataReader();
        var stateMachines = 0;
        var offenders = new List<string>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var isStateMachine = type.GetInterfaceImplementations()
                .Select(i => md.GetInterfaceImplementation(i).Interface)
                .Any(i => i.Kind == HandleKind.TypeReference && md.GetString(md.GetTypeReference((TypeReferenceHandle)i).Name) == "IAsyncStateMachine");
            if (!isStateMachine) continue;
            stateMachines++;
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0) continue;
                foreach (var called in CalledMethods(md, pe.GetMethodBody(method.RelativeVirtualAddress)))
                    if (PipelineOnly.Contains(called))
                        offenders.Add($"{OuterName(md, type)}.{md.GetString(method.Name)} calls {called}");
            }
        }
        Assert.True(stateMachines >= 3, $"found {stateMachines} async state machines; the scan is looking in the right place");
        Assert.Empty(offenders);
    }

    private static string OuterName(MetadataReader md, TypeDefinition type)
    {
        var name = md.GetString(type.Name);
        return type.GetDeclaringType() is { IsNil: false } outer ? md.GetString(md.GetTypeDefinition(outer).Name) + "+" + name : name;
    }

    private static IEnumerable<string> CalledMethods(MetadataReader md, MethodBodyBlock body)
    {
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
            var operand = Operands[code];
            if (code is 0x28 or 0x6F or 0x73) // call, callvirt, newobj
            {
                var handle = MetadataTokens.EntityHandle(il.ReadInt32());
                yield return handle.Kind switch
                {
                    HandleKind.MethodDefinition => md.GetString(md.GetMethodDefinition((MethodDefinitionHandle)handle).Name),
                    HandleKind.MemberReference => md.GetString(md.GetMemberReference((MemberReferenceHandle)handle).Name),
                    HandleKind.MethodSpecification => NameOf(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method),
                    _ => "",
                };
                continue;
            }
            Skip(ref il, operand);
        }
    }

    private static string NameOf(MetadataReader md, EntityHandle h) => h.Kind switch
    {
        HandleKind.MethodDefinition => md.GetString(md.GetMethodDefinition((MethodDefinitionHandle)h).Name),
        HandleKind.MemberReference => md.GetString(md.GetMemberReference((MemberReferenceHandle)h).Name),
        _ => "",
    };

    private static void Skip(ref BlobReader il, OperandType operand)
    {
        switch (operand)
        {
            case OperandType.InlineNone:
                break;
            case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                il.ReadByte();
                break;
            case OperandType.InlineVar:
                il.ReadInt16();
                break;
            case OperandType.InlineI8 or OperandType.InlineR:
                il.ReadInt64();
                break;
            case OperandType.InlineSwitch:
                var n = il.ReadInt32();
                for (var k = 0; k < n; k++) il.ReadInt32();
                break;
            default:
                il.ReadInt32();
                break;
        }
    }
}
