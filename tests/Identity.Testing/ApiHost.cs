using System.Net;
using System.Net.Sockets;
using Identity.Grains.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Identity.Testing;

/// <summary>
/// The real Api process pipeline (Program.cs) on Kestrel at a loopback port, with its embedded
/// silo on free ports and a fake identity clock. Rate limits are off unless a test sets them.
/// </summary>
internal sealed class ApiHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Changes to the host's services, after the Api's own (a test's exporter, a fake).</param>
    public ApiHost(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = $"api-tests-{Guid.NewGuid():N}",
            ["RateLimiting:LoginPerMinute"] = "0",
            ["RateLimiting:RegistrationPerMinute"] = "0",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Identity.Audit"] = "Information",
            ["Storage:Mode"] = "Memory",
            // No mail unless a test asks for it (the default writes .eml files to .data/mail).
            ["Email:Mode"] = "Off",
            // In-process hosts have no management listener (the appsettings' fixed port would collide); real-process tests cover it.
            ["Management:Urls"] = "",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(0);
    }

    public FakeTimeProvider Clock { get; } = TestClock.Create();

    /// <summary>Every security event (<c>Identity.Audit</c>) this host logged.</summary>
    public LogCapture Audit { get; } = new(Identity.Grains.Audit.SecurityEvents.Category);

    /// <summary>The embedded silo's gateway port, for Orleans clients of this host.</summary>
    public int GatewayPort => int.Parse(_settings["Orleans:GatewayPort"]!, System.Globalization.CultureInfo.InvariantCulture);

    public string ClusterId => _settings["Orleans:ClusterId"]!;

    /// <summary>
    /// Registers <paramref name="username"/> with <paramref name="email"/> through the API, then proves
    /// the address through the grains (as its owner would with the mailed code); returns the user id.
    /// </summary>
    public async Task<Guid> RegisterWithProvenEmailAsync(HttpClient client, string username, string email)
    {
        var response = await client.RegisterAsync(username, email: email);
        Assert.AreEqual(System.Net.HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        var userId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("userId").GetGuid();
        await GridScenario.ProveEmailAsync(Services.GetRequiredService<IGrainFactory>(), userId);
        return userId;
    }

    /// <summary>A client for the Kestrel server; starts the host on first use.</summary>
    public HttpClient CreateApiClient()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(address), AllowAutoRedirect = false });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddKeyedSingleton<TimeProvider>(IdentityClock.Key, Clock);
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Audit);
            _services?.Invoke(services);
        });
    }
}
