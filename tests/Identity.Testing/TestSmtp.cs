using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Identity.Testing;

/// <summary>
/// A real SMTP server for the mail tests: smtp4dev (<c>Rnwood.Smtp4dev</c>, a dotnet tool, pinned),
/// installed once per machine into a temporary tool folder from NuGet, started on free loopback
/// ports, read through its HTTP API. Without NuGet the test fails saying so.
/// </summary>
internal sealed class TestSmtp : IAsyncDisposable
{
    public const string Version = "3.15.0";
    private static readonly string ToolPath = Path.Combine(Path.GetTempPath(), "identity-tests-tools", $"smtp4dev-{Version}");
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private readonly Process _process;

    private TestSmtp(Process process, int smtpPort, Uri api)
    {
        _process = process;
        SmtpPort = smtpPort;
        Api = new HttpClient { BaseAddress = api };
    }

    public int SmtpPort { get; }

    public HttpClient Api { get; }

    public static async Task<TestSmtp> StartAsync()
    {
        var executable = await InstallAsync();
        var smtpPort = Ports.Free();
        var web = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { $"--urls={web}", $"--smtpport={smtpPort}", "--imapport=", "--pop3port=", "--bindaddress=127.0.0.1", "--db=", "--nousersettings" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var smtp = new TestSmtp(process, smtpPort, web);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await smtp.Api.GetAsync("/api/messages")).IsSuccessStatusCode)
                {
                    return smtp;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.IsFalse(process.HasExited, "smtp4dev exited while starting.");
            await Task.Delay(200);
        }

        await smtp.DisposeAsync();
        Assert.Fail("smtp4dev did not answer within 60 s.");
        return null!;
    }

    /// <summary>Every message delivered so far: id, recipients, subject.</summary>
    public async Task<List<(string Id, string To, string Subject)>> MessagesAsync()
    {
        var page = await Api.GetFromJsonAsync<JsonElement>("/api/messages?pageSize=500");
        return [.. page.GetProperty("results").EnumerateArray().Select(m => (
            m.GetProperty("id").GetString()!,
            string.Join(",", m.GetProperty("to").EnumerateArray().Select(t => t.GetString())),
            m.GetProperty("subject").GetString() ?? string.Empty))];
    }

    public Task<string> PlainTextAsync(string id) => Api.GetStringAsync($"/api/messages/{id}/plaintext");

    /// <summary>Waits (bounded) until <paramref name="count"/> messages to <paramref name="to"/> whose subject contains <paramref name="subject"/> arrived; returns the last of them.</summary>
    public async Task<(string Id, string To, string Subject)> WaitForAsync(string to, string subject, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var found = (await MessagesAsync()).Where(m => m.To.Contains(to, StringComparison.OrdinalIgnoreCase) && m.Subject.Contains(subject, StringComparison.Ordinal)).ToList();
            if (found.Count >= count)
            {
                return found[count - 1];
            }

            await Task.Delay(100);
        }

        Assert.Fail($"No message to {to} about '{subject}' arrived at smtp4dev within 20 s.");
        return default;
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<string> InstallAsync()
    {
        var executable = Path.Combine(ToolPath, "smtp4dev");
        await InstallGate.WaitAsync();
        try
        {
            if (File.Exists(executable))
            {
                return executable;
            }

            var install = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetTempPath(),
            };
            foreach (var argument in new[] { "tool", "install", "Rnwood.Smtp4dev", "--version", Version, "--tool-path", ToolPath })
            {
                install.ArgumentList.Add(argument);
            }

            using var process = Process.Start(install)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.AreEqual(0, process.ExitCode, $"Installing smtp4dev ({Version}) from NuGet failed — the mail tests need it (dotnet tool install Rnwood.Smtp4dev --version {Version}):\n{output}");
            return executable;
        }
        finally
        {
            InstallGate.Release();
        }
    }
}
