using Identity.Client.Checks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Identity.Client;

/// <summary>
/// Whether the scheme can be trusted to refuse revoked tokens promptly: with push revocation on,
/// Degraded while it is not live (the stream in remote mode, the hub subscription in-cluster; checks
/// are then cached only for <see cref="IdentityGridOptions.CacheDurationWithoutPush"/>). Healthy otherwise.
/// </summary>
internal sealed class IdentityGridHealthCheck(string scheme, IdentityGridChecks checks, IOptionsMonitor<IdentityGridOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Get(scheme);
        if (!settings.PushRevocation)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{settings.Mode} mode, no push revocation: checks cached for {settings.CacheDurationWithoutPush}."));
        }

        return Task.FromResult(checks.For(scheme) is CachedTokenCheck { PushLive: true }
            ? HealthCheckResult.Healthy("Push revocation is live.")
            : HealthCheckResult.Degraded($"Push revocation is not live: revoked tokens may be accepted for up to {settings.CacheDurationWithoutPush}."));
    }
}

/// <summary>Registering <see cref="IdentityGridHealthCheck"/>.</summary>
public static class IdentityGridHealthCheckExtensions
{
    /// <summary>Adds a health check of <paramref name="scheme"/>: Degraded while its push revocation is not live.</summary>
    public static IHealthChecksBuilder AddIdentityGrid(this IHealthChecksBuilder builder, string scheme = IdentityGridDefaults.AuthenticationScheme) =>
        builder.Add(new HealthCheckRegistration(
            $"identity-grid-{scheme}",
            provider => new IdentityGridHealthCheck(scheme, provider.GetRequiredService<IdentityGridChecks>(), provider.GetRequiredService<IOptionsMonitor<IdentityGridOptions>>()),
            HealthStatus.Degraded,
            ["identity-grid"]));
}
