using System.Net;
using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Identity.Api.RateLimiting;

/// <summary>What a per-client limit applies to.</summary>
internal enum RateLimitRule
{
    Login,
    Registration,
}

/// <summary>The per-client-address budgets of logins and registrations.</summary>
internal sealed class ClientRateLimits(IOptions<RateLimitOptions> options, [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
{
    private readonly TokenBuckets<IPAddress> logins = new(options.Value.LoginPerMinute, time);
    private readonly TokenBuckets<IPAddress> registrations = new(options.Value.RegistrationPerMinute, time);

    public bool TryAdmit(RateLimitRule rule, HttpContext context, out TimeSpan retryAfter) =>
        (rule == RateLimitRule.Login ? logins : registrations).TryTake(context.ClientAddress(), out retryAfter);
}

internal static class RateLimits
{
    public static IServiceCollection AddIdentityRateLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.TryAddKeyedSingleton(IdentityClock.Key, TimeProvider.System);
        services.AddSingleton<ClientRateLimits>();
        services.AddSingleton<FailedTokenChecks>();
        return services;
    }

    /// <summary>Admits a request only while its client address has budget left under <paramref name="rule"/>; else 429 with Retry-After.</summary>
    public static RouteHandlerBuilder RequireRateLimit(this RouteHandlerBuilder endpoint, RateLimitRule rule) => endpoint
        .AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            return http.RequestServices.GetRequiredService<ClientRateLimits>().TryAdmit(rule, http, out var retryAfter)
                ? await next(invocation)
                : Problems.TooManyAttempts(http, retryAfter);
        })
        .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
