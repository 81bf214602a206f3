using Identity.Api.RateLimiting;
using Identity.Testing;

namespace Identity.Tests.RateLimiting;

/// <summary>
/// A per-minute limit admits exactly that many a minute, sustained, whatever the number. (The
/// framework limiter configured before refilled one token a second when the limit did not divide
/// 60, so 45 or 100 a minute admitted 60.)
/// </summary>
[TestClass]
public sealed class TokenBucketTests
{
    [TestMethod]
    [DataRow(45)]
    [DataRow(100)]
    [DataRow(7)]
    [DataRow(60)]
    public void Ten_minutes_of_constant_pressure_admit_the_burst_plus_ten_times_the_rate(int perMinute)
    {
        var clock = TestClock.Create();
        var buckets = new TokenBuckets<string>(perMinute, clock);

        var admitted = 0;
        for (var step = 0; step < 6_000; step++)
        {
            admitted += buckets.TryTake("client", out _) ? 1 : 0;
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.IsLessThanOrEqualTo(1, Math.Abs((11 * perMinute) - admitted), $"{perMinute}/min admitted {admitted} in ten minutes");
    }

    [TestMethod]
    public void Retry_after_is_the_time_until_the_next_token()
    {
        var clock = TestClock.Create();
        var buckets = new TokenBuckets<string>(30, clock);
        for (var i = 0; i < 30; i++)
        {
            Assert.IsTrue(buckets.TryTake("client", out _));
        }

        Assert.IsFalse(buckets.TryTake("client", out var retryAfter));
        Assert.AreEqual(TimeSpan.FromSeconds(2), retryAfter);
        clock.Advance(retryAfter);
        Assert.IsTrue(buckets.TryTake("client", out _));
    }

    [TestMethod]
    public void Clients_have_separate_budgets_and_zero_means_off()
    {
        var clock = TestClock.Create();
        var buckets = new TokenBuckets<string>(1, clock);
        Assert.IsTrue(buckets.TryTake("a", out _));
        Assert.IsFalse(buckets.TryTake("a", out _));
        Assert.IsTrue(buckets.TryTake("b", out _));
        Assert.IsFalse(buckets.IsEmpty("c", out _), "a client that spent nothing has its whole budget");

        var off = new TokenBuckets<string>(0, clock);
        Assert.IsTrue(Enumerable.Range(0, 1_000).All(i => off.TryTake("a", out _)));
    }
}
