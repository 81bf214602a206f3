using System.Diagnostics;

namespace Identity.Testing;

/// <summary>
/// A command-line tool from npm at a pinned version, run with <c>npm exec</c> (npm fetches it into
/// its cache on first use). Needs Node.js and npm (scripts/test.sh installs them); without them the
/// test fails saying what to install.
/// </summary>
internal static class NpmTool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string package, string command, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var npm = new[] { "/usr/bin/npm", "/usr/local/bin/npm" }.FirstOrDefault(File.Exists)
            ?? throw new AssertFailedException("npm is not installed: apt-get install nodejs npm (scripts/test.sh installs them when run as root).");
        var start = new ProcessStartInfo(npm)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Outside the repository, so no package.json of ours is consulted.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in (string[])["exec", "--yes", $"--package={package}", "--", command, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
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
            throw new AssertFailedException($"npm exec {package} {command} did not finish within {timeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, await output + await errors);
    }
}
