using Identity.Testing;

namespace Identity.IntegrationTests.Contract;

/// <summary>The document the running service serves passes Redocly CLI's recommended rules (docs/openapi/redocly.yaml) without an error.</summary>
[TestClass]
public sealed class ContractLintTests
{
    /// <summary>Pinned: a newer Redocly may add rules; updating it is a deliberate change.</summary>
    private const string Redocly = "@redocly/cli@2.77.0";

    [TestMethod]
    public async Task The_served_document_passes_redocly_lint()
    {
        await using var host = new ApiHost();
        var document = Path.Combine(Directory.CreateTempSubdirectory("identity-contract").FullName, "v1.json");
        await File.WriteAllTextAsync(document, await host.CreateApiClient().GetStringAsync("/openapi/v1.json"));

        var (exitCode, output) = await NpmTool.RunAsync(
            Redocly, "redocly", ["lint", document, "--config", RepositoryFiles.PathOf("docs", "openapi", "redocly.yaml"), "--format", "stylish"], TimeSpan.FromMinutes(4));

        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, "valid", output);
        Directory.Delete(Path.GetDirectoryName(document)!, recursive: true);
    }
}
