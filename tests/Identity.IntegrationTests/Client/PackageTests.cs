using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Identity.Testing;

namespace Identity.IntegrationTests.Client;

/// <summary><c>dotnet pack</c> makes Identity.Client a package a team can take: its README, XML docs, and its contracts as a dependency.</summary>
[TestClass]
public sealed class PackageTests
{
    [TestMethod]
    public async Task Identity_client_packs_with_its_readme_xml_docs_and_contracts_dependency()
    {
        var output = Directory.CreateTempSubdirectory("identity-pack").FullName;
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        try
        {
            foreach (var project in (string[])["src/Client/Identity.Client.csproj", "src/Grains/Identity.Contracts/Identity.Contracts.csproj"])
            {
                var (exitCode, log) = await RunAsync("dotnet", ["pack", RepositoryFiles.PathOf(project.Split('/')), "-c", configuration, "--no-build", "-o", output]);
                Assert.AreEqual(0, exitCode, log);
            }

            using var package = ZipFile.OpenRead(Path.Combine(output, "Identity.Client.1.0.0.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToList();
            CollectionAssert.IsSubsetOf(new[] { "README.md", "lib/net10.0/Identity.Client.dll", "lib/net10.0/Identity.Client.xml" }, entries);

            XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
            using var nuspec = package.GetEntry("Identity.Client.nuspec")!.Open();
            var metadata = XDocument.Load(nuspec).Root!.Element(ns + "metadata")!;
            Assert.AreEqual("README.md", metadata.Element(ns + "readme")?.Value);
            var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
            CollectionAssert.Contains(dependencies, "Identity.Contracts");
            Assert.IsTrue(File.Exists(Path.Combine(output, "Identity.Contracts.1.0.0.nupkg")));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
