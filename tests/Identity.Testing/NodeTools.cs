using System.Diagnostics;
using System.Text.Json;

namespace Identity.Testing;

/// <summary>
/// A command-line tool from npm at a pinned version, run with <c>npm exec</c> (npm fetches it into
/// its cache on first use). Needs Node.js and npm (scripts/test.sh installs them); without them the
/// test fails saying what to install.
/// </summary>
internal static class NpmTool
{
    public static Task<(int ExitCode, string Output)> RunAsync(string package, string command, IEnumerable<string> arguments, TimeSpan timeout) =>
        NodeProcess.RunAsync(NodeProcess.Npm, ["exec", "--yes", $"--package={package}", "--", command, .. arguments], Path.GetTempPath(), null, timeout);
}

/// <summary>
/// A Node.js ES module run against a pinned npm library (e.g. a well-kept OAuth client), installed
/// once per run into a temporary folder. The script prints one JSON value, which is returned.
/// </summary>
internal static class NodeScript
{
    public static async Task<JsonElement> RunAsync(string package, string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "identity-tests-node", package.Replace('/', '_').Replace('@', '_'));
        Directory.CreateDirectory(folder);
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            var (installed, output) = await NodeProcess.RunAsync(
                NodeProcess.Npm, ["install", "--no-audit", "--no-fund", "--no-save", package], folder, null, TimeSpan.FromMinutes(4));
            Assert.AreEqual(0, installed, $"npm install {package}: {output}");
        }

        var file = Path.Combine(folder, $"script-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var (exitCode, output) = await NodeProcess.RunAsync(NodeProcess.Node, [file, .. arguments], folder, environment, TimeSpan.FromMinutes(1));
            Assert.AreEqual(0, exitCode, output);
            using var document = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            return document.RootElement.Clone();
        }
        finally
        {
            File.Delete(file);
        }
    }
}

internal static class NodeProcess
{
    public static string Npm => Find("npm");

    public static string Node => Find("node");

    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Outside the repository, so no package.json of ours is consulted.
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new AssertFailedException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        // Standard output last: a script's JSON answer is its final line.
        return (process.ExitCode, await errors + await output);
    }

    private static string Find(string name) =>
        new[] { $"/usr/bin/{name}", $"/usr/local/bin/{name}" }.FirstOrDefault(File.Exists)
        ?? throw new AssertFailedException($"{name} is not installed: apt-get install nodejs npm (scripts/test.sh installs them when run as root).");
}
