using Identity.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Identity.Api.RateLimiting;

/// <summary>
/// Per-session budget of token checks that failed at the session grain. Every token reaching a
/// grain carries a valid authenticator (made-up tokens are refused at the edge), so a failure there
/// is a real token of an ended, expired or rotated-away session — the caller's own old token, whose
/// check costs a storage read when the grain is not in memory. Past the budget, checks of that
/// session's tokens answer 429 without touching the grid until the bucket refills. The budget is
/// the session's, never an address's: one client's traffic cannot get another's valid token refused.
/// Valid tokens spend nothing, and the check on the hot path is one dictionary miss.
/// </summary>
internal sealed class FailedTokenChecks(IOptions<RateLimitOptions> options, [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
{
    private readonly TokenBuckets<Guid> buckets = new(options.Value.FailedTokenChecksPerMinute, time);

    /// <summary>Whether this session has used up its failures; if so, when one is back.</summary>
    public bool IsExhausted(Guid sessionId, out TimeSpan retryAfter) => buckets.IsEmpty(sessionId, out retryAfter);

    public void Record(Guid sessionId) => buckets.Spend(sessionId);
}
