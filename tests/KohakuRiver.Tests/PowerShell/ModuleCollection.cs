using Xunit;

namespace KohakuRiver.Tests.PowerShell;

/// <summary>The built module, loaded once as metadata for every test that inspects it.</summary>
[CollectionDefinition(Name)]
public sealed class ModuleCollection : ICollectionFixture<ModuleMetadata>
{
    public const string Name = "KohakuRiver.PowerShell module metadata";
}
