using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Identity.Grains.Hosting;

namespace Identity.Testing;

/// <summary>
/// A built program of this repository (the Api, a Silo, a sample) as a real process on loopback
/// ports, for tests that restart, stop or kill it. Output is captured for failure messages.
/// </summary>
internal sealed class GridProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GridProcess(Process process, Uri? address)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>For an Api: a client for its HTTP endpoint.</summary>
    public HttpClient Client { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Silo and gateway ports; a restarted node keeps its ports, as a deployed one does.</summary>
    public static Dictionary<string, string> NodePorts() => new()
    {
        ["Orleans__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Starts the Api and waits until /health/ready answers 200.</summary>
    public static async Task<GridProcess> StartApiAsync(IReadOnlyDictionary<string, string> environment)
    {
        var port = Ports.Free();
        var settings = NodePorts();
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        settings["RateLimiting__LoginPerMinute"] = "0";
        settings["RateLimiting__RegistrationPerMinute"] = "0";
        // A co-hosted Api is a silo; in client mode it connects to silos as an Api node.
        var role = environment.GetValueOrDefault("Orleans__Mode") == "Client" ? GridRole.Api : GridRole.Silo;
        var api = Start(Program("src/Api", "Identity.Api"), [], TestCertificates.Environment(role).Concat(settings).Concat(environment), new Uri($"http://127.0.0.1:{port}"));
        await api.WaitUntilAsync(async () => (await api.Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the Api to become ready");
        return api;
    }

    /// <summary>Starts a silo and waits until <paramref name="isActive"/> says it joined the cluster.</summary>
    public static async Task<GridProcess> StartSiloAsync(IReadOnlyDictionary<string, string> environment, Func<Task<bool>> isActive)
    {
        var silo = Start(Program("src/Silo", "Identity.Silo"), [], TestCertificates.Environment(GridRole.Silo).Concat(environment), address: null);
        await silo.WaitUntilAsync(isActive, "the silo to become active");
        return silo;
    }

    /// <summary>Runs the SessionCheck sample to its end; returns its exit code and standard output.</summary>
    public static async Task<(int ExitCode, string Output)> RunSampleAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        await using var sample = Start(Program("samples/SessionCheck", "SessionCheck"), arguments, TestCertificates.Environment(GridRole.Api).Concat(environment), address: null);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await sample._process.WaitForExitAsync(timeout.Token);
        return (sample._process.ExitCode, sample.Output);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it; waits for a clean exit.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        Assert.AreEqual(0, _process.ExitCode, Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        Client.Dispose();
        _process.Dispose();
    }

    private static GridProcess Start(string dll, IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, Uri? address)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in TestKeys.Environment.Concat(environment))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}.");
        var node = new GridProcess(process, address);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or Npgsql.NpgsqlException or TaskCanceledException)
            {
                // Not there yet.
            }

            await Task.Delay(250);
        }

        await DisposeAsync();
        Assert.Fail($"Timed out waiting for {what}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>A program built alongside this test assembly, in the same configuration.</summary>
    private static string Program(string projectDirectory, string assemblyName)
    {
        var testDirectory = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name; // …/bin/<Configuration>/net10.0
        var root = new DirectoryInfo(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Identity.sln")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root!.FullName, projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        Assert.IsTrue(File.Exists(dll), $"Build it first: {dll} is missing.");
        return dll;
    }
}
