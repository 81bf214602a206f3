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
        Assert.IsTrue(new LockoutOptionsValidator().Validate(null, new LockoutOptions()).Succeeded);
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
    public void Lockout_cap_below_the_first_lockout_is_refused()
    {
        var result = new LockoutOptionsValidator().Validate(null, new LockoutOptions { FirstLockout = TimeSpan.FromMinutes(10), MaxLockout = TimeSpan.FromMinutes(5) });

        StringAssert.Contains(result.FailureMessage, "Lockout:MaxLockout");
    }

    [TestMethod]
    public void Access_tokens_never_outlive_the_session()
    {
        var options = new SessionOptions { AccessTokenLifetime = TimeSpan.FromHours(1), AbsoluteLifetime = TimeSpan.FromHours(2) };
        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.AreEqual(created + TimeSpan.FromHours(2), options.AccessExpiryOf(created, created + TimeSpan.FromMinutes(90)));
    }
}
