using System.Net;
using Identity.Contracts.Sessions;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>
/// Made-up tokens cost a storage read each; an address that sends too many failing ones is cut off
/// (RateLimiting:FailedTokenChecksPerMinute) before it reaches the grid again.
/// </summary>
[TestClass]
public sealed class FailedTokenCheckLimitTests
{
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(new Dictionary<string, string?> { ["RateLimiting:FailedTokenChecksPerMinute"] = "3" });
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Past_its_budget_of_failed_checks_an_address_gets_429_for_access_and_refresh_tokens()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode, "valid checks spend nothing");
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync("garbage")).StatusCode, "garbled tokens never reach the grid and spend nothing");
        for (var i = 0; i < 3; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(MadeUp(TokenKind.Access))).StatusCode);
        }

        var refused = await s_client.GetCurrentAsync(MadeUp(TokenKind.Access));

        Assert.AreEqual(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta!.Value);
        Assert.AreEqual(429, (await refused.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.AreEqual(HttpStatusCode.TooManyRequests, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode, "the address is cut off, whatever it sends");
        var refresh = await s_client.RefreshAsync(MadeUp(TokenKind.Refresh));
        Assert.AreEqual(HttpStatusCode.TooManyRequests, refresh.StatusCode);
        Assert.IsNotNull(refresh.Headers.RetryAfter);

        // Three a minute: one failure comes back every 20 s.
        s_host.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(MadeUp(TokenKind.Access))).StatusCode);
        Assert.AreEqual(HttpStatusCode.TooManyRequests, (await s_client.GetCurrentAsync(MadeUp(TokenKind.Access))).StatusCode);
    }

    private static string MadeUp(TokenKind kind) => SessionToken.Issue(Guid.NewGuid(), kind).Text;
}
