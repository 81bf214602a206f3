using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class MySessionsApiTests
{
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    public async Task The_list_shows_every_live_session_and_marks_the_current_one()
    {
        var (username, first) = await s_client.SignUpAndLoginAsync();
        var second = await s_client.LoginTokensAsync(username);

        var response = await s_client.SendAsync(HttpMethod.Get, "/v1/users/me/sessions", second.AccessToken);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var sessions = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessions").EnumerateArray().ToList();
        Assert.HasCount(2, sessions);
        var current = sessions.Single(s => s.GetProperty("current").GetBoolean());
        Assert.AreEqual(second.SessionId, current.GetProperty("sessionId").GetGuid());
        Assert.AreEqual(first.SessionId, sessions.Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("sessionId").GetGuid());
        Assert.AreEqual("127.0.0.1", current.GetProperty("ip").GetString());
        foreach (var field in (string[])["createdAt", "lastSeenAt", "expiresAt"])
        {
            Assert.AreEqual(JsonValueKind.String, current.GetProperty(field).ValueKind, field);
        }
    }

    [TestMethod]
    public async Task Ending_one_of_my_sessions_is_204_and_it_stops_working()
    {
        var (username, first) = await s_client.SignUpAndLoginAsync();
        var second = await s_client.LoginTokensAsync(username);

        var response = await s_client.SendAsync(HttpMethod.Delete, $"/v1/users/me/sessions/{first.SessionId}", second.AccessToken);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        await SessionApiTests.AssertInvalidTokenAsync(await s_client.GetCurrentAsync(first.AccessToken));
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(second.AccessToken)).StatusCode);
    }

    [TestMethod]
    [DataRow("someone-elses", DisplayName = "another user's session")]
    [DataRow("random", DisplayName = "unknown id")]
    [DataRow("not-a-guid", DisplayName = "malformed id")]
    public async Task Ending_a_session_that_is_not_mine_is_404_and_changes_nothing(string which)
    {
        var (_, mine) = await s_client.SignUpAndLoginAsync();
        var (_, theirs) = await s_client.SignUpAndLoginAsync();
        var target = which switch
        {
            "someone-elses" => theirs.SessionId.ToString(),
            "random" => Guid.NewGuid().ToString(),
            _ => "not-a-guid",
        };

        var response = await s_client.SendAsync(HttpMethod.Delete, $"/v1/users/me/sessions/{target}", mine.AccessToken);

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        Assert.AreEqual(404, (await response.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(theirs.AccessToken)).StatusCode);
    }

    [TestMethod]
    public async Task Ending_all_other_sessions_keeps_only_the_current_one()
    {
        var (username, current) = await s_client.SignUpAndLoginAsync();
        var others = new[] { await s_client.LoginTokensAsync(username), await s_client.LoginTokensAsync(username) };

        var response = await s_client.SendAsync(HttpMethod.Delete, "/v1/users/me/sessions", current.AccessToken);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(current.AccessToken)).StatusCode);
        foreach (var other in others)
        {
            await SessionApiTests.AssertInvalidTokenAsync(await s_client.GetCurrentAsync(other.AccessToken));
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync(other.RefreshToken)).StatusCode);
        }
    }

    [TestMethod]
    [DataRow("GET", "/v1/users/me/sessions")]
    [DataRow("DELETE", "/v1/users/me/sessions")]
    [DataRow("DELETE", "/v1/users/me/sessions/00000000-0000-0000-0000-000000000001")]
    [DataRow("PUT", "/v1/users/me/password")]
    public async Task Every_me_endpoint_is_401_without_a_token(string method, string path)
    {
        var response = await s_client.SendAsync(new HttpMethod(method), path, null, new { currentPassword = "x", newPassword = "y" });

        await SessionApiTests.AssertInvalidTokenAsync(response);
    }
}
