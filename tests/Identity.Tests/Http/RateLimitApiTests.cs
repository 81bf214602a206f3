using System.Net;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class RateLimitApiTests
{
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(new Dictionary<string, string?>
        {
            ["RateLimiting:LoginPerMinute"] = "5",
            ["RateLimiting:RegistrationPerMinute"] = "3",
        });
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Logins_past_the_per_ip_limit_are_429_with_retry_after()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? rejected = null;
        for (var i = 0; i < 7; i++)
        {
            var response = await s_client.LoginAsync("nobody-here", "some password");
            statuses.Add(response.StatusCode);
            rejected = response.StatusCode == HttpStatusCode.TooManyRequests ? response : rejected;
        }

        Assert.AreEqual(5, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.AreEqual(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.IsNotNull(rejected);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), rejected.Headers.RetryAfter!.Delta!.Value);
        Assert.AreEqual(429, (await rejected.ProblemAsync()).GetProperty("status").GetInt32());
    }

    [TestMethod]
    public async Task Registrations_past_the_per_ip_limit_are_429()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await s_client.RegisterAsync(GridScenario.UniqueName())).StatusCode);
        }

        CollectionAssert.AreEqual(new[] { HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests }, statuses);
    }

    [TestMethod]
    public async Task Checks_of_garbled_tokens_are_never_rate_limited()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await s_client.GetCurrentAsync("garbage")).StatusCode);
        }

        Assert.IsTrue(statuses.TrueForAll(s => s == HttpStatusCode.Unauthorized));
    }
}
