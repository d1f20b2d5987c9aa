using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Vps;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// What each kind of object the module writes binds to when piped into each cmdlet, decided by PowerShell's binder:
/// where a chain is meant, the key arrives (seen in the -WhatIf target, or in the not-found error aimed at it); where
/// none is meant, PowerShell refuses the object (InputObjectNotBound) instead of binding a property of the same name
/// that means something else.
/// </summary>
[Collection(RunspaceCollection.Name)]
public sealed class BindingMatrixTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    private const long VpsId = 7205759403792793601;

    private static readonly Dictionary<string, Func<RunspaceHost, object>> Objects = new()
    {
        ["vps"] = _ => new RiverVps { TaskId = VpsId, NodeName = "vps-node-x", Environment = "vpsenv", Name = "dev", Status = RiverTaskStatus.Running },
        ["environment"] = _ => new RiverEnvironment { Environment = "envobj", Versions = 1 },
        ["node"] = c => new RiverNode { NodeName = "node-obj", Status = NodeStatus.Online },
        ["health"] = _ => new ClusterHealth(),
        ["cluster"] = c => new RiverClusterConnection(c.Host.Uri, c.Host.Token, RiverConnectionSource.Session),
    };

    /// <summary>Chains that -WhatIf proves: the target PowerShell names carries the bound key.</summary>
    public static TheoryData<string, string, string> WhatIfChains => new()
    {
        { "vps", "Stop-RiverVps", $"{VpsId}" },
        { "vps", "Restart-RiverVps", $"{VpsId}" },
        { "vps", "Stop-RiverTask", $"{VpsId}" },
        { "vps", "Remove-RiverEnvironment", "vpsenv" },
        { "environment", "Publish-RiverEnvironment", "envobj" },
        { "environment", "Remove-RiverEnvironment", "envobj" },
        { "environment", "Start-RiverEnvironment", "envobj" },
        { "environment", "Stop-RiverEnvironment", "envobj" },
    };

    [Theory]
    [MemberData(nameof(WhatIfChains))]
    public void The_key_of_a_piped_object_reaches_the_cmdlet(string producer, string consumer, string key)
    {
        Ps.Host.Clear();
        Ps.Run($"$o | {consumer} -WhatIf", Vars(("o", Objects[producer](Cluster)))).ShouldSucceed();
        var whatIf = Assert.Single(Ps.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal));
        Assert.Contains(key, whatIf);
    }

    /// <summary>Chains whose consumer reads the host: the not-found error names what arrived.</summary>
    public static TheoryData<string, string, string, string> LookupChains => new()
    {
        { "vps", "Get-RiverTask", "RiverTaskNotFound", $"{VpsId}" },
        { "vps", "Receive-RiverTaskOutput", "RiverTaskNotFound", $"{VpsId}" },
        { "vps", "Get-RiverVps", "RiverVpsNotFound", $"{VpsId}" },
        { "vps", "Get-RiverNode", "RiverNodeNotFound", "vps-node-x" },
        { "node", "Get-RiverNode", "RiverNodeNotFound", "node-obj" },
    };

    [Theory]
    [MemberData(nameof(LookupChains))]
    public void A_piped_object_is_looked_up_by_its_key(string producer, string consumer, string errorId, string key)
    {
        var run = Ps.Run($"$o | {consumer}", Vars(("o", Objects[producer](Cluster))));
        var error = Assert.Single(run.Errors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Contains(key, $"{error.TargetObject}");
    }

    /// <summary>Objects that must not bind: PowerShell refuses them (InputObjectNotBound) rather than taking a property
    /// of theirs that means something else. A name parameter that takes text by value is the exception PowerShell
    /// makes: it binds any object by its string form, so there the cmdlet itself must refuse the text it got (an
    /// invalid name, or one that names nothing) and do nothing.</summary>
    public static TheoryData<string, string> Refused => new()
    {
        { "node", "Stop-RiverTask" },
        { "node", "Wait-RiverTask" },
        { "node", "Stop-RiverVps" },
        { "node", "Remove-RiverEnvironment" },
        { "node", "Get-RiverEnvironment" },
        { "health", "Get-RiverTask" },
        { "health", "Remove-RiverEnvironment" },
        { "cluster", "Get-RiverTask" },
        { "cluster", "Stop-RiverTask" },
        { "cluster", "Remove-RiverEnvironment" },
        { "environment", "Get-RiverTask" },
        { "environment", "Stop-RiverVps" },
        { "environment", "Get-RiverNode" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void An_object_that_means_something_else_is_refused(string producer, string consumer)
    {
        Ps.Host.Clear();
        var run = Ps.Run($"$o | {consumer} -WhatIf:$false -ErrorAction Continue" .Replace(" -WhatIf:$false", Supports(consumer) ? " -WhatIf" : ""),
            Vars(("o", Objects[producer](Cluster))));
        var error = Assert.Single(run.Errors);
        var takesTextByValue = (bool)Ps.Run($"@((Get-Command {consumer}).Parameters.Values | Where-Object {{ $_.ParameterType -eq [string[]] -and " +
            "($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipeline }) }).Count -gt 0").Objects.Single();
        string[] expected = takesTextByValue ? ["InputObjectNotBound", "RiverInvalidArgument", "RiverNodeNotFound", "RiverEnvironmentNotFound"] : ["InputObjectNotBound"];
        Assert.Contains(error.FullyQualifiedErrorId.Split(',')[0], expected);
        Assert.DoesNotContain(Ps.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal));
        Assert.Empty(run.Output);
    }

    private bool Supports(string cmdlet) =>
        (bool)Ps.Run($"(Get-Command {cmdlet}).Parameters.ContainsKey('WhatIf')").Objects.Single();
}
