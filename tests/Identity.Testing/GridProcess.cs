using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Identity.Contracts.Security;
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
    private readonly StringBuilder _errors = new();

    private GridProcess(Process process, Uri? address, Uri management)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        Management = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>For an Api: a client for its HTTP endpoint.</summary>
    public HttpClient Client { get; }

    /// <summary>A client for the node's management listener (metrics).</summary>
    public HttpClient Management { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to standard error alone.</summary>
    public string Errors
    {
        get
        {
            lock (_output)
            {
                return _errors.ToString();
            }
        }
    }

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

    /// <summary>Silo, gateway and management ports; a restarted node keeps its ports, as a deployed one does.</summary>
    public static Dictionary<string, string> NodePorts() => new()
    {
        ["Orleans__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
        [ManagementUrls] = ManagementUrl(),
    };

    private const string ManagementUrls = "Management__Urls";

    private static string ManagementUrl() => $"http://127.0.0.1:{Ports.Free()}";

    /// <summary>Starts the Api (on <paramref name="port"/>, else a free one) and waits until /health/ready answers 200; <paramref name="wrapper"/> as for <see cref="RunUntilExitAsync"/>.</summary>
    public static async Task<GridProcess> StartApiAsync(IReadOnlyDictionary<string, string> environment, string[]? wrapper = null, int? port = null)
    {
        port ??= Ports.Free();
        var settings = NodePorts();
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        settings["RateLimiting__LoginPerMinute"] = "0";
        settings["RateLimiting__RegistrationPerMinute"] = "0";
        settings["Email__Mode"] = "Off";
        // A co-hosted Api is a silo; in client mode it connects to silos as an Api node.
        var role = environment.GetValueOrDefault("Orleans__Mode") == "Client" ? GridRole.Api : GridRole.Silo;
        var api = Start(Program("src/Api", "Identity.Api"), [], TestCertificates.Environment(role).Concat(settings).Concat(environment), new Uri($"http://127.0.0.1:{port}"), wrapper);
        await api.WaitUntilAsync(async () => (await api.Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the Api to become ready");
        return api;
    }

    /// <summary>Starts the ProtectedService sample (a service using Identity.Client) and waits until its <c>/health</c> answers <paramref name="health"/>.</summary>
    public static async Task<GridProcess> StartServiceAsync(IReadOnlyDictionary<string, string> environment, string health = "Healthy")
    {
        var port = Ports.Free();
        var address = new Uri($"http://127.0.0.1:{port}");
        var service = Start(Program("samples/ProtectedService", "ProtectedService"), [], environment.Append(KeyValuePair.Create("ASPNETCORE_URLS", address.ToString())), address);
        await service.WaitUntilAsync(async () => await service.Client.GetStringAsync("/health") == health, $"the service's health to be {health}");
        return service;
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

    /// <summary>Runs a program in a private mount namespace in which /usr/lib/postgresql is empty: the machine as it is with only the .NET SDK.</summary>
    public static readonly string[] WithoutPostgresBinaries =
        ["unshare", "--mount", "sh", "-c", "mount -t tmpfs none /usr/lib/postgresql && exec \"$@\"", "hide-postgresql"];

    /// <summary>
    /// Starts the Api (<paramref name="role"/> Silo: a co-hosted one) or a Silo, expecting it to give up,
    /// and waits for it to exit; returns its exit code, standard error and all output.
    /// <paramref name="wrapper"/> runs it through another program (e.g. <c>unshare</c>), the dotnet command line appended.
    /// </summary>
    public static async Task<(int ExitCode, string Errors, string Output)> RunUntilExitAsync(
        bool api, IReadOnlyDictionary<string, string> environment, string[]? wrapper = null)
    {
        var dll = api ? Program("src/Api", "Identity.Api") : Program("src/Silo", "Identity.Silo");
        return await RunToExitAsync(dll, TestCertificates.Environment(GridRole.Silo).Concat(environment), wrapper);
    }

    /// <summary>Starts the ProtectedService sample expecting it to give up; as <see cref="RunUntilExitAsync"/>.</summary>
    public static Task<(int ExitCode, string Errors, string Output)> RunServiceUntilExitAsync(IReadOnlyDictionary<string, string> environment) =>
        RunToExitAsync(Program("samples/ProtectedService", "ProtectedService"), environment, wrapper: null);

    private static async Task<(int ExitCode, string Errors, string Output)> RunToExitAsync(
        string dll, IEnumerable<KeyValuePair<string, string>> environment, string[]? wrapper)
    {
        await using var node = Start(dll, [], environment, address: null, wrapper);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await node._process.WaitForExitAsync(timeout.Token);
        // The asynchronous readers may still hold the last lines.
        node._process.WaitForExit();
        return (node._process.ExitCode, node.Errors, node.Output);
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
        Management.Dispose();
        _process.Dispose();
    }

    private static GridProcess Start(string dll, IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, Uri? address, string[]? wrapper = null)
    {
        var start = new ProcessStartInfo(wrapper is { Length: > 0 } ? wrapper[0] : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (wrapper is { Length: > 0 })
        {
            foreach (var part in wrapper.Skip(1))
            {
                start.ArgumentList.Add(part);
            }

            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in TestKeys.Environment.Concat(environment))
        {
            start.Environment[key] = value;
        }

        // Never the appsettings' fixed management port: tests run many nodes at once.
        var management = start.Environment.TryGetValue(ManagementUrls, out var urls) && !string.IsNullOrEmpty(urls) ? urls : start.Environment[ManagementUrls] = ManagementUrl();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}.");
        var node = new GridProcess(process, address, new Uri(management.Split(';')[0]));
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data, error: true);
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

    private void Append(string? line, bool error = false)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
                if (error)
                {
                    _errors.AppendLine(line);
                }
            }
        }
    }

    /// <summary>A program built alongside this test assembly, in the same configuration.</summary>
    private static string Program(string projectDirectory, string assemblyName)
    {
        var testDirectory = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name; // …/bin/<Configuration>/net10.0
        var dll = RepositoryFiles.PathOf(projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        Assert.IsTrue(File.Exists(dll), $"Build it first: {dll} is missing.");
        return dll;
    }
}
