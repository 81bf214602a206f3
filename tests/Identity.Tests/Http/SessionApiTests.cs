using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class SessionApiTests
{
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    public async Task Current_session_describes_the_token_owner()
    {
        var (username, tokens) = await s_client.SignUpAndLoginAsync();

        var response = await s_client.GetCurrentAsync(tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual(tokens.SessionId, body.GetProperty("sessionId").GetGuid());
        Assert.AreEqual(username, body.GetProperty("username").GetString());
        Assert.AreNotEqual(Guid.Empty, body.GetProperty("userId").GetGuid());
        Assert.IsGreaterThan(body.GetProperty("createdAt").GetDateTimeOffset(), body.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [TestMethod]
    [DataRow(null, DisplayName = "missing")]
    [DataRow("garbage", DisplayName = "garbled")]
    [DataRow("iga_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", DisplayName = "well-formed but unknown")]
    public async Task A_missing_or_bad_token_is_401_with_an_invalid_token_challenge(string? token)
    {
        var response = await s_client.GetCurrentAsync(token);

        await AssertInvalidTokenAsync(response);
    }

    [TestMethod]
    public async Task An_expired_access_token_is_401_and_refresh_gives_a_new_pair()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        SharedApi.Host.Clock.Advance(TimeSpan.FromHours(1));
        await AssertInvalidTokenAsync(await s_client.GetCurrentAsync(tokens.AccessToken));

        var refreshed = await s_client.RefreshAsync(tokens.RefreshToken);
        Assert.AreEqual(HttpStatusCode.OK, refreshed.StatusCode);
        var pair = (await refreshed.Content.ReadFromJsonAsync<ApiTokens>())!;
        Assert.AreEqual(tokens.SessionId, pair.SessionId);
        Assert.AreNotEqual(tokens.RefreshToken, pair.RefreshToken);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(pair.AccessToken)).StatusCode);
    }

    [TestMethod]
    public async Task Re_presenting_a_rotated_refresh_token_ends_the_whole_session()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        var pair = (await (await s_client.RefreshAsync(tokens.RefreshToken)).Content.ReadFromJsonAsync<ApiTokens>())!;

        var reuse = await s_client.RefreshAsync(tokens.RefreshToken);

        Assert.AreEqual(HttpStatusCode.Unauthorized, reuse.StatusCode);
        await AssertInvalidTokenAsync(await s_client.GetCurrentAsync(pair.AccessToken));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync(pair.RefreshToken)).StatusCode);
    }

    [TestMethod]
    public async Task Parallel_refreshes_with_one_token_have_exactly_one_winner()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => s_client.RefreshAsync(tokens.RefreshToken)));

        Assert.AreEqual(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        // The losers are refused: 401, or 429 once the session's refresh budget (10 a minute) is spent.
        Assert.AreEqual(15, responses.Count(r => r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
    }

    [TestMethod]
    public async Task Refresh_refuses_an_access_token_garbage_and_a_missing_token()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync("igr_nonsense")).StatusCode);
        var missing = await s_client.PostAsJsonAsync("/v1/sessions/refresh", new { });
        Assert.AreEqual(HttpStatusCode.BadRequest, missing.StatusCode);
        CollectionAssert.AreEqual((string[])["refreshToken"], (await missing.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    public async Task Logout_is_204_and_both_tokens_stop_working_at_once()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        var logout = await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.NoContent, logout.StatusCode);
        await AssertInvalidTokenAsync(await s_client.GetCurrentAsync(tokens.AccessToken));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync(tokens.RefreshToken)).StatusCode);
        await AssertInvalidTokenAsync(await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken));
    }

    [TestMethod]
    public async Task No_validation_succeeds_after_logout_returned_even_under_concurrent_load()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        var logoutReturned = 0;
        var lateSuccesses = 0;
        var earlySuccesses = 0;
        var statuses = new ConcurrentBag<HttpStatusCode>();
        using var stop = new CancellationTokenSource();

        async Task ValidateLoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var startedAfterLogout = Volatile.Read(ref logoutReturned) == 1;
                var response = await s_client.GetCurrentAsync(tokens.AccessToken);
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref startedAfterLogout ? ref lateSuccesses : ref earlySuccesses);
                }
            }
        }

        var loops = Enumerable.Range(0, 8).Select(_ => Task.Run(ValidateLoopAsync)).ToList();
        while (Volatile.Read(ref earlySuccesses) < 50)
        {
            await Task.Yield();
        }

        var logout = await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);
        Volatile.Write(ref logoutReturned, 1);
        var afterLogout = statuses.Count;
        while (statuses.Count < afterLogout + 200)
        {
            await Task.Yield();
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops);

        Assert.AreEqual(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.AreEqual(0, lateSuccesses, "a validation that started after logout returned succeeded");
        Assert.IsGreaterThanOrEqualTo(50, earlySuccesses);
    }

    internal static async Task AssertInvalidTokenAsync(HttpResponseMessage response)
    {
        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.AreEqual("Bearer", challenge.Scheme);
        StringAssert.Contains(challenge.Parameter, "error=\"invalid_token\"");
        Assert.AreEqual(401, (await response.ProblemAsync()).GetProperty("status").GetInt32());
    }
}
