using Identity.Testing;

namespace Identity.IntegrationTests;

/// <summary>What the whole test run shares, stopped once at the end.</summary>
[TestClass]
public static class TestAssembly
{
    [AssemblyCleanup]
    public static async Task StopSharedResourcesAsync()
    {
        await OpenIdConnect.OidcGrid.StopAsync();
        await OpenIdConnect.HeadlessChromium.StopAsync();
        TestPostgres.StopServer();
        TestCertificates.Remove();
    }
}
