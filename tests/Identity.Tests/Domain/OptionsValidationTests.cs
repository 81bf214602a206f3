using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Users;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Domain;

/// <summary>Bad configuration is reported in full, each failure naming its setting.</summary>
[TestClass]
public sealed class OptionsValidationTests
{
    [TestMethod]
    public void Defaults_are_valid()
    {
        Assert.IsTrue(new SessionOptionsValidator().Validate(null, new SessionOptions()).Succeeded);
        Assert.IsTrue(new LoginThrottleOptionsValidator().Validate(null, new LoginThrottleOptions()).Succeeded);
        Assert.IsTrue(new PasswordOptionsValidator().Validate(null, new PasswordOptions()).Succeeded);
    }

    [TestMethod]
    public void Every_bad_session_setting_is_named()
    {
        var result = new SessionOptionsValidator().Validate(null, new SessionOptions
        {
            AccessTokenLifetime = TimeSpan.Zero,
            IdleTimeout = TimeSpan.FromSeconds(-1),
            MaxSessionsPerUser = 0,
        });

        Assert.IsTrue(result.Failed);
        var message = result.FailureMessage;
        StringAssert.Contains(message, "Sessions:AccessTokenLifetime");
        StringAssert.Contains(message, "Sessions:IdleTimeout");
        StringAssert.Contains(message, "Sessions:MaxSessionsPerUser");
    }

    [TestMethod]
    public void Argon2id_below_owasp_minimums_is_refused()
    {
        var result = new PasswordOptionsValidator().Validate(null, new PasswordOptions { MemoryKiB = 4096, Iterations = 1, MinLength = 4 });

        StringAssert.Contains(result.FailureMessage, "Passwords:MemoryKiB");
        StringAssert.Contains(result.FailureMessage, "Passwords:Iterations");
        StringAssert.Contains(result.FailureMessage, "Passwords:MinLength");
    }

    [TestMethod]
    public void Every_bad_login_throttle_setting_is_named_and_the_ceiling_stays_within_nist()
    {
        var result = new LoginThrottleOptionsValidator().Validate(null, new LoginThrottleOptions
        {
            FirstSourceDelay = TimeSpan.FromMinutes(10),
            MaxSourceDelay = TimeSpan.FromMinutes(5),
            SourceBlockAfter = 5,
            AccountCeiling = 101,
            FirstAccountBlock = TimeSpan.FromHours(2),
            MaxAccountBlock = TimeSpan.FromHours(1),
        });

        foreach (var key in new[] { "MaxSourceDelay", "SourceBlockAfter", "AccountCeiling", "MaxAccountBlock" })
        {
            StringAssert.Contains(result.FailureMessage, $"LoginThrottle:{key}");
        }
    }

    [TestMethod]
    public void A_source_gets_its_free_failures_then_doubling_waits_then_a_block()
    {
        var options = new LoginThrottleOptions();

        var waits = Enumerable.Range(0, 22).Select(options.SourceWaitAfter).ToList();

        CollectionAssert.AreEqual(Enumerable.Repeat(TimeSpan.Zero, 5).ToList(), waits[..5], "five free failures");
        CollectionAssert.AreEqual(
            new[] { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 }.Select(s => TimeSpan.FromSeconds(s)).ToList(), waits[5..15], "then 1 s doubling");
        CollectionAssert.AreEqual(Enumerable.Repeat(TimeSpan.FromMinutes(15), 5).ToList(), waits[15..20], "capped at 15 minutes");
        CollectionAssert.AreEqual(Enumerable.Repeat(TimeSpan.FromHours(24), 2).ToList(), waits[20..], "blocked for a day from the 20th");
    }

    [TestMethod]
    public void Account_blocks_double_from_an_hour_up_to_a_day()
    {
        var options = new LoginThrottleOptions();

        var blocks = Enumerable.Range(1, 7).Select(options.AccountBlockOf).Select(b => b.TotalHours).ToArray();

        CollectionAssert.AreEqual(new double[] { 1, 2, 4, 8, 16, 24, 24 }, blocks);
    }

    [TestMethod]
    public void Access_tokens_never_outlive_the_session()
    {
        var options = new SessionOptions { AccessTokenLifetime = TimeSpan.FromHours(1), AbsoluteLifetime = TimeSpan.FromHours(2) };
        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.AreEqual(created + TimeSpan.FromHours(2), options.AccessExpiryOf(created, created + TimeSpan.FromMinutes(90)));
    }
}
