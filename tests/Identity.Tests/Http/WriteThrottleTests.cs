using System.Net;
using System.Net.Http.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>Password changes (hashing) per account, refreshes per session and revocations per account are budgeted.</summary>
[TestClass]
public sealed class WriteThrottleTests
{
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(new Dictionary<string, string?>
        {
            ["RateLimiting:PasswordChangesPerMinute"] = "2",
            ["RateLimiting:RefreshesPerMinute"] = "2",
            ["RateLimiting:SessionRevocationsPerMinute"] = "2",
        });
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Password_changes_of_one_account_are_throttled_even_with_a_wrong_current_password()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        var (_, bystander) = await s_client.SignUpAndLoginAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await ChangePasswordAsync(tokens.AccessToken, "wrong current password")).StatusCode);
        }

        CollectionAssert.AreEqual(new[] { HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests }, statuses);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await ChangePasswordAsync(bystander.AccessToken, "wrong current password")).StatusCode, "another account has its own budget");
        s_host.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.AreEqual(HttpStatusCode.NoContent, (await ChangePasswordAsync(tokens.AccessToken, GridScenario.Password)).StatusCode, "one change is back after half a minute");
    }

    [TestMethod]
    public async Task Refreshes_of_one_session_are_throttled()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        var refresh = tokens.RefreshToken;
        for (var i = 0; i < 2; i++)
        {
            var rotated = await s_client.RefreshAsync(refresh);
            Assert.AreEqual(HttpStatusCode.OK, rotated.StatusCode);
            refresh = (await rotated.Content.ReadFromJsonAsync<ApiTokens>())!.RefreshToken;
        }

        var refused = await s_client.RefreshAsync(refresh);

        Assert.AreEqual(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.IsNotNull(refused.Headers.RetryAfter);
        s_host.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.RefreshAsync(refresh)).StatusCode, "the refused refresh did not spend the token");
    }

    [TestMethod]
    public async Task Revocations_by_one_account_are_throttled()
    {
        var (username, tokens) = await s_client.SignUpAndLoginAsync();
        var others = new List<ApiTokens>();
        for (var i = 0; i < 3; i++)
        {
            others.Add(await s_client.LoginTokensAsync(username));
        }

        var statuses = new List<HttpStatusCode>();
        foreach (var other in others)
        {
            statuses.Add((await s_client.SendAsync(HttpMethod.Delete, $"/v1/users/me/sessions/{other.SessionId}", tokens.AccessToken)).StatusCode);
        }

        CollectionAssert.AreEqual(new[] { HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.TooManyRequests }, statuses);
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(string accessToken, string currentPassword) =>
        s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", accessToken, new { currentPassword, newPassword = "a brand new passphrase" });
}
