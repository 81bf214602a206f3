using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>
/// Every authentication decision is a structured event in the Identity.Audit category, with its
/// user, session, client address and User-Agent where known — and never a token, secret or password.
/// </summary>
[TestClass]
public sealed class SecurityEventTests
{
    private const string WrongPassword = "not the password at all";

    [TestMethod]
    public async Task Each_decision_is_one_event_with_who_and_from_where_and_no_secret()
    {
        await using var host = new ApiHost(new Dictionary<string, string?>
        {
            ["RateLimiting:LoginPerMinute"] = "6",
            ["LoginThrottle:AccountCeiling"] = "2",
            ["LoginThrottle:FreeFailuresPerSource"] = "2",
        });
        using var client = host.CreateApiClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("audit-test/1.0");
        var (username, tokens) = await client.SignUpAndLoginAsync();                             // login 1
        var second = await client.LoginTokensAsync(username);                                    // login 2
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N"))).StatusCode); // 3
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.LoginAsync(username, WrongPassword)).StatusCode);                   // 4
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.LoginAsync(username, WrongPassword)).StatusCode);                   // 5: slows the source, reaches the ceiling
        var refreshed = await client.RefreshAsync(second.RefreshToken);
        Assert.AreEqual(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.RefreshAsync(second.RefreshToken)).StatusCode, "reuse");
        Assert.AreEqual(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken)).StatusCode);
        var introspection = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect") { Content = new FormUrlEncodedContent([new("token", "x")]) };
        introspection.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("nobody:nothing")));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.SendAsync(introspection)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.LoginAsync(username, WrongPassword)).StatusCode);                   // 6
        Assert.AreEqual(HttpStatusCode.TooManyRequests, (await client.LoginAsync(username, WrongPassword)).StatusCode);                // 7: throttled

        var events = host.Audit.Events;
        var names = events.Select(e => e.EventName).ToList();
        Assert.AreEqual(2, names.Count(n => n == "LogLoginSucceeded"));
        Assert.AreEqual(4, names.Count(n => n == "LogLoginFailed"), string.Join(", ", names));
        CollectionAssert.IsSubsetOf(
            new[] { "LogRegistered", "LogLockedOut", "LogSourceThrottled", "LogRefreshed", "LogReused", "LogLogout", "LogSessionEnded", "LogClientAuthenticationFailed", "LogThrottled" },
            names);

        var succeeded = events.First(e => e.EventName == "LogLoginSucceeded");
        Assert.AreEqual(tokens.SessionId, succeeded.Values["SessionId"]);
        Assert.AreEqual("127.0.0.1", succeeded.Values["ClientAddress"]);
        Assert.AreEqual("audit-test/1.0", succeeded.Values["UserAgent"]);
        var unknown = events.First(e => e.EventName == "LogLoginFailed");
        Assert.IsNull(unknown.Values["UserId"], "an unknown name has no user");
        Assert.AreEqual("UnknownUser", unknown.Values["Reason"]!.ToString());

        foreach (var secret in new[] { tokens.DeviceToken!, tokens.AccessToken, tokens.RefreshToken, second.RefreshToken, GridScenario.Password, WrongPassword, "nothing" })
        {
            Assert.IsFalse(events.Any(e => e.Message.Contains(secret, StringComparison.Ordinal) || e.Values.Values.Any(v => v?.ToString()?.Contains(secret, StringComparison.Ordinal) == true)),
                "a secret reached the audit log");
        }
    }
}
