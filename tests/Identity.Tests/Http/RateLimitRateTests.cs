using System.Net;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>The login limit on the real pipeline, driven by the identity clock: 45 a minute means 45 a minute.</summary>
[TestClass]
public sealed class RateLimitRateTests
{
    [TestMethod]
    public async Task An_odd_per_minute_login_limit_admits_exactly_its_rate()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["RateLimiting:LoginPerMinute"] = "45" });
        using var client = host.CreateApiClient();

        Assert.AreEqual(45, await CountAdmittedAsync(client, attempts: 50), "the first minute's burst");
        host.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.AreEqual(15, await CountAdmittedAsync(client, attempts: 20), "a third of a minute refills a third of 45");
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.AreEqual(45, await CountAdmittedAsync(client, attempts: 60), "a full minute refills 45, not 60");
    }

    /// <summary>Logins with a name no account can have: answered 401 at once (no hashing) when admitted, 429 when not.</summary>
    private static async Task<int> CountAdmittedAsync(HttpClient client, int attempts)
    {
        var admitted = 0;
        for (var i = 0; i < attempts; i++)
        {
            var status = (await client.LoginAsync("x", "some password")).StatusCode;
            Assert.IsTrue(status is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, status.ToString());
            admitted += status == HttpStatusCode.Unauthorized ? 1 : 0;
        }

        return admitted;
    }
}
