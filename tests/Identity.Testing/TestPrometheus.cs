using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Identity.Testing;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> package; scripts/test.sh installs it) on a
/// loopback port, scraping the given targets every second, with its data in a temporary directory
/// deleted on dispose. Tests ask it through its HTTP API what it scraped.
/// </summary>
internal sealed class TestPrometheus : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"];
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _client;

    private TestPrometheus(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Starts Prometheus scraping <c>/metrics</c> of each <paramref name="targets"/> (host:port); fails the test, saying what to install, when there is no binary.</summary>
    public static async Task<TestPrometheus> StartAsync(params string[] targets)
    {
        var binary = Candidates.FirstOrDefault(File.Exists)
            ?? throw new AssertFailedException("Prometheus is not installed: apt-get install prometheus (scripts/test.sh installs it when run as root).");
        var directory = Directory.CreateTempSubdirectory("identity-prometheus").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: identity-grid
                static_configs:
                  - targets: [{{string.Join(", ", targets.Select(t => $"'{t}'"))}}]
            """);
        var port = Ports.Free();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new TestPrometheus(process, directory, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until the instant query <paramref name="query"/>
    /// has a sample whose value satisfies <paramref name="accept"/>; returns that value.
    /// </summary>
    public async Task<double> WaitForAsync(string query, Func<double, bool> accept, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < timeout)
        {
            Assert.IsFalse(_process.HasExited, "prometheus exited");
            try
            {
                var answer = await _client.GetFromJsonAsync<JsonElement>($"/api/v1/query?query={Uri.EscapeDataString(query)}");
                last = answer.ToString();
                foreach (var sample in answer.GetProperty("data").GetProperty("result").EnumerateArray())
                {
                    var value = double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                    if (accept(value))
                    {
                        return value;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Still starting.
            }

            // Prometheus scrapes on its own clock (every second): polling its API is the only way to hear of a scrape.
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new AssertFailedException($"Prometheus never answered {query} as expected within {timeout}; last answer: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _client.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
