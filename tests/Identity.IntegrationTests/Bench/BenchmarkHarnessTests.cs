using System.Diagnostics;

namespace Identity.IntegrationTests.Bench;

/// <summary>
/// The benchmark harness's seconds-long smoke run, so the harness cannot rot unnoticed. It checks
/// that every scenario ran and produced figures, not the figures themselves: those come from full
/// runs of bench/run.sh, never from tests.
/// </summary>
[TestClass]
public sealed class BenchmarkHarnessTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task The_smoke_run_measures_every_scenario_and_writes_a_results_file()
    {
        var root = RepositoryRoot();
        var results = Path.Combine(root, "bench", "results", "latest-smoke.md");
        File.Delete(results);

        var start = new ProcessStartInfo("bash", [Path.Combine(root, "bench", "run.sh"), "--smoke"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        using var run = Process.Start(start)!;
        var output = run.StandardOutput.ReadToEndAsync();
        var errors = run.StandardError.ReadToEndAsync();
        await run.WaitForExitAsync();

        Assert.AreEqual(0, run.ExitCode, $"{await errors}\n{await output}");
        var report = await File.ReadAllTextAsync(results);
        foreach (var section in (string[])["## 1. Token validation", "## 2. Password logins", "## 3. Refreshes", "## 4. Memory per active session",
            "## 5. Cold validation", "## 6. Topology cost", "## 7. Identity.Client", "## Goals"])
        {
            StringAssert.Contains(report, section);
        }

        foreach (var figure in (string[])["| grid / bare |", "| grid / floor |", "bytes allocated / validation", "Load generator: wrk with 1 thread",
            "bare Kestrel at 64 connections", "of the Orleans floor at 64 connections", "| checked / unprotected |",
            "Identity.Client in-cluster ≥ 0.6× the same service unprotected"])
        {
            StringAssert.Contains(report, figure, "the baseline the performance goals are measured against");
        }

        Assert.DoesNotContain("| n/a", report, "every ratio had both of its measurements");
        Assert.DoesNotMatchRegex(new System.Text.RegularExpressions.Regex(@"\|[ \t]*\|"), report.Split("## Goals")[0], "no empty figure");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "Identity.sln")))
        {
            directory = directory.Parent;
        }

        return directory.FullName;
    }
}
