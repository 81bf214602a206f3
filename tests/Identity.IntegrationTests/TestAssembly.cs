using Identity.Testing;

namespace Identity.IntegrationTests;

/// <summary>What the whole test run shares, stopped once at the end.</summary>
[TestClass]
public static class TestAssembly
{
    [AssemblyCleanup]
    public static void StopSharedResources()
    {
        TestPostgres.StopServer();
        TestCertificates.Remove();
    }
}
