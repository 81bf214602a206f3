using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Identity.Api.Http;

/// <summary>
/// Per-client-IP budget of token checks that failed after reaching a session grain. Tokens carry
/// 256 random bits, so guessing one is hopeless; what a flood of made-up tokens costs is a storage
/// read each. Past the budget, an address's token checks (access and refresh) answer 429 without
/// touching the grid until the bucket refills. Well-formed valid tokens cost nothing from it.
/// </summary>
internal sealed class FailedTokenChecks : IDisposable
{
    private readonly PartitionedRateLimiter<string>? limiter;
    private readonly TimeSpan refillPeriod;

    public FailedTokenChecks(IOptions<RateLimitOptions> options)
    {
        var perMinute = options.Value.FailedTokenChecksPerMinute;
        if (perMinute == 0)
        {
            return;
        }

        refillPeriod = TimeSpan.FromSeconds(Math.Max(1, 60 / perMinute));
        limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = refillPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Whether this client has used up its failures; if so, when to come back.</summary>
    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter)
    {
        retryAfter = refillPeriod;
        if (limiter is null)
        {
            return false;
        }

        // Zero permits asks "is anything left?" without spending any.
        using var probe = limiter.AttemptAcquire(ClientInfo.RateLimitKey(context), 0);
        return !probe.IsAcquired;
    }

    public void Record(HttpContext context) => limiter?.AttemptAcquire(ClientInfo.RateLimitKey(context)).Dispose();

    public void Dispose() => limiter?.Dispose();
}
