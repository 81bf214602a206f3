using System.Globalization;
using Identity.Api.Hosting;

namespace Identity.Testing;

/// <summary>
/// The Api's own entry (<see cref="IdentityApi.RunAsync"/>, what Program.cs runs) in this process,
/// for settings it must refuse: returns its exit status and what it wrote to standard error. Faster
/// than a real process, and the same composition, checks and one-line message.
/// </summary>
internal static class ApiStartup
{
    public static async Task<(int ExitCode, string Error)> RefusalAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Orleans:SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = $"startup-tests-{Guid.NewGuid():N}",
            ["Storage:Mode"] = "Memory",
            ["Management:Urls"] = "",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        using var errors = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exitCode = await IdentityApi.RunAsync([.. all.Select(s => $"--{s.Key}={s.Value}")], errors, stop.Token);
        Assert.IsFalse(stop.IsCancellationRequested, "the Api started, and should have refused to");
        return (exitCode, errors.ToString());
    }
}
