using System.Net;
using Identity.Api.Http;
using Identity.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Identity.Api.RateLimiting;

/// <summary>
/// Per-client-address budget of token checks that failed after reaching a session grain. Tokens
/// carry 256 random bits, so guessing one is hopeless; what a flood of made-up tokens costs is a
/// storage read each. Past the budget, an address's token checks (access and refresh) answer 429
/// without touching the grid until its bucket refills. Valid tokens spend nothing, and the check
/// on the hot path is a dictionary miss for any address that has not failed recently.
/// </summary>
internal sealed class FailedTokenChecks(IOptions<RateLimitOptions> options, [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
{
    private readonly TokenBuckets<IPAddress> buckets = new(options.Value.FailedTokenChecksPerMinute, time);

    /// <summary>Whether this client has used up its failures; if so, when one is back.</summary>
    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter) => buckets.IsEmpty(context.ClientAddress(), out retryAfter);

    public void Record(HttpContext context) => buckets.Spend(context.ClientAddress());
}
