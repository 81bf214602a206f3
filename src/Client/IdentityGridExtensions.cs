using Identity.Client.Checks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Identity.Client;

/// <summary>Registration of the grid's authentication scheme, and what a request's handler left for the endpoint.</summary>
public static class IdentityGridExtensions
{
    /// <summary>Accepts grid access tokens under <see cref="IdentityGridDefaults.AuthenticationScheme"/>.</summary>
    public static AuthenticationBuilder AddIdentityGrid(this AuthenticationBuilder builder, Action<IdentityGridOptions> configure) =>
        builder.AddIdentityGrid(IdentityGridDefaults.AuthenticationScheme, configure);

    /// <summary>Accepts grid access tokens under <paramref name="scheme"/>; in remote mode with push revocation, keeps the revocation stream open while the host runs.</summary>
    public static AuthenticationBuilder AddIdentityGrid(this AuthenticationBuilder builder, string scheme, Action<IdentityGridOptions> configure)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdentityGridChecks>();
        services.AddHttpClient(IdentityGridChecks.HttpClientName(scheme))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Connections are reused; recycled now and then so DNS changes are seen.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 256,
            });
        // Push revocation: the stream in remote mode, a grain observer in-cluster (each does nothing in the other mode).
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(provider => new RevocationStream(
            scheme, provider.GetRequiredService<IdentityGridChecks>(), provider.GetRequiredService<ILogger<RevocationStream>>()));
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(provider => new ClusterRevocations(
            scheme, provider.GetRequiredService<IdentityGridChecks>(), provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ClusterRevocations>>()));
        // A misconfigured scheme stops the service at start-up, naming the option, not at its first request.
        services.AddOptions<IdentityGridOptions>(scheme).Validate(options =>
        {
            options.Validate();
            return true;
        }).ValidateOnStart();
        return builder.AddScheme<IdentityGridOptions, IdentityGridHandler>(scheme, configure);
    }

    /// <summary>The session the request's grid token proved (after authentication), or null.</summary>
    public static GridSession? GetGridSession(this HttpContext context) => context.Features.Get<GridSession>();
}
