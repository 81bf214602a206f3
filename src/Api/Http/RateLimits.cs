using System.Threading.RateLimiting;
using Identity.Grains.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Identity.Api.Http;

/// <summary>Per-client-IP limits on login and registration. Configuration section <c>RateLimiting</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Login attempts per client IP per minute; 0 turns the limit off. Default 60.</summary>
    public int LoginPerMinute { get; set; } = 60;

    /// <summary>Registrations per client IP per minute; 0 turns the limit off. Default 20.</summary>
    public int RegistrationPerMinute { get; set; } = 20;

    /// <summary>
    /// Token checks per client IP per minute that may fail after reaching the grid (made-up,
    /// revoked or expired tokens); beyond it that address's token checks get 429. 0 turns it off.
    /// Default 600: generous for many clients behind one NAT, tight for a flood.
    /// </summary>
    public int FailedTokenChecksPerMinute { get; set; } = 600;
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        if (options.LoginPerMinute is < 0 or > 1_000_000)
        {
            failures.Add($"{RateLimitOptions.Section}:LoginPerMinute must be 0 (off) to 1000000 (got {options.LoginPerMinute}).");
        }

        if (options.RegistrationPerMinute is < 0 or > 1_000_000)
        {
            failures.Add($"{RateLimitOptions.Section}:RegistrationPerMinute must be 0 (off) to 1000000 (got {options.RegistrationPerMinute}).");
        }

        if (options.FailedTokenChecksPerMinute is < 0 or > 1_000_000)
        {
            failures.Add($"{RateLimitOptions.Section}:FailedTokenChecksPerMinute must be 0 (off) to 1000000 (got {options.FailedTokenChecksPerMinute}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal static class RateLimits
{
    public const string LoginPolicy = "login";
    public const string RegistrationPolicy = "registration";

    public static IServiceCollection AddIdentityRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddSingleton<FailedTokenChecks>();
        services.TryAddKeyedSingleton(IdentityClock.Key, TimeProvider.System);
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(LoginPolicy, context => PerClientPerMinute(context, o => o.LoginPerMinute));
            limiter.AddPolicy(RegistrationPolicy, context => PerClientPerMinute(context, o => o.RegistrationPerMinute));
            limiter.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> PerClientPerMinute(HttpContext context, Func<RateLimitOptions, int> permits)
    {
        var limit = permits(context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
        if (limit == 0)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        // A token bucket refilled every second: a steady per-minute rate without a burst at each window edge.
        return RateLimitPartition.GetTokenBucketLimiter(ClientInfo.RateLimitKey(context), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit,
            TokensPerPeriod = Math.Max(1, limit / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, 60 / limit)),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.SetRetryAfter(retryAfter);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = "Too many attempts from this address; wait for the time in Retry-After.",
            },
        });
    }
}
