using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>The operators' admin API: only with operator credentials, and each action does what support needs at once.</summary>
[TestClass]
public sealed class AdminApiTests
{
    private const string OperatorId = "support-alice";
    private const string OperatorSecret = "admin-secret-0123456789abcdef-0123456789";
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;
    private static HttpClient s_admin = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        // The failed-authentication budget per address (shared with introspection, tested there) is off:
        // the first test fails authentication on purpose more often than it allows.
        s_host = new ApiHost(ClientSettings.Operators((OperatorId, OperatorSecret)).With(new() { ["RateLimiting:ClientAuthenticationFailuresPerMinute"] = "0" }));
        s_client = s_host.CreateApiClient();
        s_admin = s_host.CreateApiClient();
        s_admin.DefaultRequestHeaders.Authorization = Basic(OperatorId, OperatorSecret);
    }

    [ClassCleanup]
    public static async Task Stop() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Without_operator_credentials_every_admin_endpoint_is_401_with_a_basic_challenge()
    {
        var (username, _) = await s_client.SignUpAndLoginAsync();
        var userId = await UserIdAsync(username);
        using var wrong = s_host.CreateApiClient();
        wrong.DefaultRequestHeaders.Authorization = Basic(OperatorId, "not the secret");
        using var introspector = s_host.CreateApiClient();

        foreach (var client in new[] { s_client, wrong })
        {
            foreach (var (method, path) in new[]
            {
                (HttpMethod.Get, $"/admin/v1/users/{userId}"),
                (HttpMethod.Get, $"/admin/v1/users?username={username}"),
                (HttpMethod.Post, $"/admin/v1/users/{userId}/disable"),
                (HttpMethod.Delete, $"/admin/v1/users/{userId}"),
                (HttpMethod.Delete, $"/admin/v1/users/{userId}/sessions"),
            })
            {
                var response = await client.SendAsync(new HttpRequestMessage(method, path));
                Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode, $"{method} {path}");
                Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                StringAssert.StartsWith(response.Headers.WwwAuthenticate.ToString(), "Basic realm=\"identity-admin\"");
            }
        }

        Assert.AreEqual("active", (await GetUserAsync(userId)).GetProperty("status").GetString(), "nothing was done");
        Assert.IsTrue(s_host.Audit.Events.Any(e => e.EventName == "LogClientAuthenticationFailed" && Equals(e.Values["Endpoint"], "admin")));
    }

    [TestMethod]
    public async Task An_operator_finds_an_account_by_id_username_or_email_and_sees_its_state()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.com";
        await s_host.RegisterWithProvenEmailAsync(s_client, username, email);
        await s_client.LoginTokensAsync(username);
        await s_client.LoginAsync(username, "not the password");

        var byName = await (await s_admin.GetAsync($"/admin/v1/users?username={username.ToUpperInvariant()}")).Content.ReadFromJsonAsync<JsonElement>();
        var userId = byName.GetProperty("userId").GetGuid();
        var byEmail = await s_admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users?email={Uri.EscapeDataString(email)}");
        var byId = await GetUserAsync(userId);

        Assert.AreEqual(userId, byEmail.GetProperty("userId").GetGuid());
        Assert.AreEqual(username, byId.GetProperty("username").GetString());
        Assert.AreEqual(email, byId.GetProperty("email").GetString());
        Assert.AreEqual("active", byId.GetProperty("status").GetString());
        Assert.AreEqual(1, byId.GetProperty("sessionCount").GetInt32());
        Assert.AreEqual(1, byId.GetProperty("lockout").GetProperty("failures").GetInt32());
        Assert.AreEqual(JsonValueKind.String, byId.GetProperty("lastLoginAt").ValueKind);
        Assert.AreEqual(JsonValueKind.String, byId.GetProperty("createdAt").ValueKind);
        Assert.IsFalse(byId.TryGetProperty("passwordHash", out _));
        Assert.DoesNotContain("argon2", byId.ToString());
    }

    [TestMethod]
    public async Task Unknown_accounts_are_404_and_a_bad_query_is_400()
    {
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.GetAsync($"/admin/v1/users/{Guid.NewGuid()}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.GetAsync("/admin/v1/users/not-a-guid")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.GetAsync($"/admin/v1/users?username={GridScenario.UniqueName()}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.PostAsync($"/admin/v1/users/{Guid.NewGuid()}/disable", null)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.DeleteAsync($"/admin/v1/users/{Guid.NewGuid()}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.DeleteAsync($"/admin/v1/users/{Guid.NewGuid()}/sessions")).StatusCode);

        var neither = await s_admin.GetAsync("/admin/v1/users");
        var both = await s_admin.GetAsync("/admin/v1/users?username=a&email=a@example.com");
        var badEmail = await s_admin.GetAsync("/admin/v1/users?email=not-an-email");
        foreach (var response in new[] { neither, both, badEmail })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [TestMethod]
    public async Task Disable_ends_every_session_at_once_refuses_logins_and_enable_lets_them_back()
    {
        var (username, first) = await s_client.SignUpAndLoginAsync();
        var second = await s_client.LoginTokensAsync(username);
        var userId = await UserIdAsync(username);

        var disabled = await s_admin.PostAsync($"/admin/v1/users/{userId}/disable", null);

        Assert.AreEqual(HttpStatusCode.OK, disabled.StatusCode);
        var account = await disabled.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("disabled", account.GetProperty("status").GetString());
        Assert.AreEqual(0, account.GetProperty("sessionCount").GetInt32());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(first.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(second.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.RefreshAsync(second.RefreshToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username)).StatusCode);
        AssertOperatorEvent("disable", userId);

        Assert.AreEqual(HttpStatusCode.OK, (await s_admin.PostAsync($"/admin/v1/users/{userId}/enable", null)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username)).StatusCode);
        AssertOperatorEvent("enable", userId);
    }

    [TestMethod]
    public async Task Unlock_lets_a_throttled_source_sign_in_again_without_changing_the_status()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var userId = await UserIdAsync(username);
        for (var i = 0; i < 5; i++)
        {
            await s_client.LoginAsync(username, "not the password");
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username)).StatusCode, "this address must wait");

        var unlocked = await (await s_admin.PostAsync($"/admin/v1/users/{userId}/unlock", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.AreEqual(0, unlocked.GetProperty("lockout").GetProperty("throttledSources").GetInt32());
        Assert.AreEqual("active", unlocked.GetProperty("status").GetString());
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username)).StatusCode);
        AssertOperatorEvent("unlock", userId);
    }

    [TestMethod]
    public async Task Requiring_a_new_password_ends_the_sessions_and_logins_say_so_until_it_is_changed()
    {
        var (username, before) = await s_client.SignUpAndLoginAsync();
        var userId = await UserIdAsync(username);

        var marked = await (await s_admin.PostAsync($"/admin/v1/users/{userId}/require-password-change", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.IsTrue(marked.GetProperty("passwordChangeRequired").GetBoolean());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(before.AccessToken)).StatusCode);
        var login = await (await s_client.LoginAsync(username)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.IsTrue(login.GetProperty("passwordChangeRequired").GetBoolean());
        var changed = await s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", login.GetProperty("accessToken").GetString(),
            new { currentPassword = GridScenario.Password, newPassword = "a brand new passphrase, long enough 8817" });
        Assert.AreEqual(HttpStatusCode.NoContent, changed.StatusCode);
        var after = await (await s_client.LoginAsync(username, "a brand new passphrase, long enough 8817")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.IsFalse(after.TryGetProperty("passwordChangeRequired", out _), "the marker is gone once the password changed");
        AssertOperatorEvent("require-password-change", userId);
    }

    [TestMethod]
    public async Task An_operator_lists_the_sessions_and_ends_one_or_all()
    {
        var (username, first) = await s_client.SignUpAndLoginAsync();
        var second = await s_client.LoginTokensAsync(username);
        var third = await s_client.LoginTokensAsync(username);
        var userId = await UserIdAsync(username);

        var listed = await s_admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users/{userId}/sessions");
        Assert.AreEqual(3, listed.GetProperty("sessions").GetArrayLength());

        Assert.AreEqual(HttpStatusCode.NoContent, (await s_admin.DeleteAsync($"/admin/v1/users/{userId}/sessions/{first.SessionId}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(first.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(second.AccessToken)).StatusCode);
        AssertOperatorEvent("end-session", userId);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.DeleteAsync($"/admin/v1/users/{userId}/sessions/{first.SessionId}")).StatusCode, "already ended");
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.DeleteAsync($"/admin/v1/users/{userId}/sessions/{Guid.NewGuid()}")).StatusCode);

        var all = await (await s_admin.DeleteAsync($"/admin/v1/users/{userId}/sessions")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual(2, all.GetProperty("ended").GetInt32());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(second.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(third.AccessToken)).StatusCode);
        Assert.AreEqual("active", (await GetUserAsync(userId)).GetProperty("status").GetString(), "the account itself is untouched");
    }

    [TestMethod]
    public async Task Resetting_second_factors_removes_the_app_and_codes_ends_sessions_and_lets_the_password_alone_sign_in()
    {
        var (username, tokens) = await s_client.SignUpAndLoginAsync();
        var begun = await (await s_client.SendAsync(HttpMethod.Post, "/v1/users/me/totp", tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var secret = OtpNet.Base32Encoding.ToBytes(begun.GetProperty("secret").GetString());
        var code = new OtpNet.Totp(secret).ComputeTotp(s_host.Clock.GetUtcNow().UtcDateTime);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", tokens.AccessToken, new { code })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Accepted, (await s_client.LoginAsync(username)).StatusCode, "the app is asked for");
        var userId = await UserIdAsync(username);
        Assert.IsTrue((await s_admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users/{userId}")).GetProperty("secondFactor").GetBoolean());

        var reset = await s_admin.PostAsync($"/admin/v1/users/{userId}/reset-second-factors", null);

        Assert.AreEqual(HttpStatusCode.OK, reset.StatusCode);
        var shown = await reset.Content.ReadFromJsonAsync<JsonElement>();
        Assert.IsFalse(shown.GetProperty("secondFactor").GetBoolean());
        Assert.AreEqual(0, shown.GetProperty("recoveryCodesLeft").GetInt32());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode, "every session ended");
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username)).StatusCode);
        AssertOperatorEvent("reset-second-factors", userId);
    }

    [TestMethod]
    public async Task Erasing_an_account_ends_its_sessions_and_frees_its_names()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.com";
        await s_host.RegisterWithProvenEmailAsync(s_client, username, email);
        var tokens = await s_client.LoginTokensAsync(username);
        var userId = await UserIdAsync(username);

        Assert.AreEqual(HttpStatusCode.NoContent, (await s_admin.DeleteAsync($"/admin/v1/users/{userId}")).StatusCode);

        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.GetAsync($"/admin/v1/users/{userId}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.GetAsync($"/admin/v1/users?username={username}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.RegisterAsync(username, email: email)).StatusCode, "both names are free again");
        Assert.AreEqual(HttpStatusCode.NotFound, (await s_admin.DeleteAsync($"/admin/v1/users/{userId}")).StatusCode, "already gone");
        AssertOperatorEvent("erase", userId);
    }

    private static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id}:{secret}")));

    private static async Task<Guid> UserIdAsync(string username) =>
        (await s_admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users?username={username}")).GetProperty("userId").GetGuid();

    private static Task<JsonElement> GetUserAsync(Guid userId) => s_admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users/{userId}");

    private static void AssertOperatorEvent(string action, Guid userId) =>
        Assert.IsTrue(
            s_host.Audit.Events.Any(e => e.EventName == "LogOperatorAction" && Equals(e.Values["OperatorId"], OperatorId)
                && Equals(e.Values["Action"], action) && Equals(e.Values["UserId"], userId)),
            $"a security event records that {OperatorId} did {action} to {userId}");
}
