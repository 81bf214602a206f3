using System.Net;
using Identity.Contracts.Sessions;
using Identity.Grains.Sessions;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Identity.Tests.Http;

/// <summary>
/// Made-up tokens never reach the grid: their authenticator fails at the edge. Real tokens of an
/// ended session cost a grain call each, so they have a budget per session
/// (RateLimiting:FailedTokenChecksPerMinute) — and nothing another client sends can get a valid
/// token refused.
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
    public async Task Forged_tokens_are_refused_without_activating_any_session_grain()
    {
        var before = await SessionActivationsAsync();

        for (var i = 0; i < 200; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(Forged(TokenKind.Access))).StatusCode);
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync(Forged(TokenKind.Refresh))).StatusCode);
        }

        Assert.AreEqual(before, await SessionActivationsAsync(), "no forged token reached a session grain");
    }

    [TestMethod]
    public async Task A_flood_of_forged_and_ended_tokens_from_one_address_never_gets_its_valid_token_refused()
    {
        var (_, valid) = await s_client.SignUpAndLoginAsync();
        var (_, ended) = await s_client.SignUpAndLoginAsync();
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", ended.AccessToken)).StatusCode);

        for (var i = 0; i < 50; i++)
        {
            await s_client.GetCurrentAsync(Forged(TokenKind.Access));
            await s_client.GetCurrentAsync(ended.AccessToken);
        }

        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(valid.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.RefreshAsync(valid.RefreshToken)).StatusCode);
    }

    [TestMethod]
    public async Task Past_its_budget_an_ended_session_gets_429_for_its_access_and_refresh_tokens()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken)).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        }

        var refused = await s_client.GetCurrentAsync(tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta!.Value);
        Assert.AreEqual(429, (await refused.ProblemAsync()).GetProperty("status").GetInt32());
        var refresh = await s_client.RefreshAsync(tokens.RefreshToken);
        Assert.AreEqual(HttpStatusCode.TooManyRequests, refresh.StatusCode);
        Assert.IsNotNull(refresh.Headers.RetryAfter);

        // Three a minute: one failure comes back every 20 s.
        s_host.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.TooManyRequests, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
    }

    /// <summary>Well-formed tokens for random sessions, authenticated with a key the server does not have.</summary>
    private static string Forged(TokenKind kind)
    {
        var stranger = new TokenAuthenticator(Options.Create(new TokenKeyOptions
        {
            Keys = [new TokenKey { Id = 0, Secret = Convert.ToBase64String(new byte[32]) }],
        }));
        return stranger.Issue(Guid.NewGuid(), kind, 1).Text;
    }

    private static async Task<int> SessionActivationsAsync()
    {
        var statistics = await s_host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains("SessionGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
