using Identity.Testing;

namespace Identity.Tests;

/// <summary>What the whole test run shares, stopped once at the end.</summary>
[TestClass]
public static class TestAssembly
{
    [AssemblyCleanup]
    public static async Task StopSharedResourcesAsync() => await SharedApi.StopAsync();
}
