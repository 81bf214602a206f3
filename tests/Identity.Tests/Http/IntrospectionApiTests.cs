using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class IntrospectionApiTests
{
    private const string ClientId = "orders-service";
    private const string ClientSecret = "v3ry-l0ng-random-secret-for-the-orders-service";
    private const string BillingId = "billing-service";
    private const string BillingSecret = "an0ther-l0ng-random-secret-for-billing";
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        // The orders service sees every token; billing is restricted to tokens meant for it.
        s_host = new ApiHost(ClientSettings.Introspection((ClientId, ClientSecret), (BillingId, BillingSecret))
            .With(new Dictionary<string, string?> { ["Introspection:Clients:1:Audience"] = "billing" }));
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task An_active_access_token_is_described_per_rfc_7662()
    {
        var (username, tokens) = await s_client.SignUpAndLoginAsync();

        var response = await IntrospectAsync(tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.IsTrue(body.GetProperty("active").GetBoolean());
        Assert.AreEqual(tokens.SessionId.ToString(), body.GetProperty("sid").GetString());
        Assert.AreEqual(username, body.GetProperty("username").GetString());
        Assert.AreEqual("Bearer", body.GetProperty("token_type").GetString());
        Assert.AreEqual(3600, body.GetProperty("exp").GetInt64() - body.GetProperty("iat").GetInt64());
        Assert.IsTrue(Guid.TryParse(body.GetProperty("sub").GetString(), out _));
    }

    [TestMethod]
    public async Task Ended_refresh_and_garbage_tokens_are_inactive_with_nothing_else_said()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

        foreach (var token in (string[])[tokens.AccessToken, tokens.RefreshToken, "garbage"])
        {
            var response = await IntrospectAsync(token);
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.AreEqual("{\"active\":false}", await response.Content.ReadAsStringAsync());
        }
    }

    [TestMethod]
    [DataRow(null, DisplayName = "no credentials")]
    [DataRow("orders-service:wrong-secret", DisplayName = "wrong secret")]
    [DataRow("unknown:" + ClientSecret, DisplayName = "unknown client")]
    public async Task An_unauthenticated_caller_is_401_with_a_basic_challenge(string? credentials)
    {
        var response = await IntrospectAsync("anything", credentials);

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.AreEqual("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.AreEqual("invalid_client", (await response.ProblemAsync()).GetProperty("error").GetString());
    }

    [TestMethod]
    public async Task A_client_may_authenticate_in_the_body_with_client_secret_post()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        var posted = await SendAsync(new FormUrlEncodedContent([new("token", tokens.AccessToken), new("client_id", ClientId), new("client_secret", ClientSecret)]), null);
        var wrong = await SendAsync(new FormUrlEncodedContent([new("token", tokens.AccessToken), new("client_id", ClientId), new("client_secret", "guess")]), null);
        var both = await SendAsync(new FormUrlEncodedContent([new("token", tokens.AccessToken), new("client_id", ClientId), new("client_secret", ClientSecret)]), $"{ClientId}:{ClientSecret}");
        var emptyFields = await SendAsync(new FormUrlEncodedContent([new("token", tokens.AccessToken), new("client_id", ""), new("client_secret", "")]), $"{ClientId}:{ClientSecret}");

        Assert.AreEqual(HttpStatusCode.OK, posted.StatusCode);
        Assert.IsTrue((await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.AreEqual("invalid_client", (await wrong.ProblemAsync()).GetProperty("error").GetString());
        Assert.AreEqual(HttpStatusCode.BadRequest, both.StatusCode, "one authentication method per request (RFC 6749 §2.3)");
        Assert.AreEqual("invalid_request", (await both.ProblemAsync()).GetProperty("error").GetString());
        Assert.AreEqual(HttpStatusCode.OK, emptyFields.StatusCode, "empty body credentials (as generated clients send them) are no credentials");
    }

    [TestMethod]
    public async Task The_answer_carries_the_audience_and_scope_the_sign_in_asked_for_and_only_then()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var scoped = await s_client.LoginForAsync(username, "billing", "invoices:read invoices:read profile");
        var plain = await s_client.LoginTokensAsync(username);

        var scopedAnswer = await (await IntrospectAsync(scoped.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var plainAnswer = await (await IntrospectAsync(plain.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var current = await (await s_client.GetCurrentAsync(scoped.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.AreEqual("billing", scopedAnswer.GetProperty("aud").GetString());
        Assert.AreEqual("invoices:read profile", scopedAnswer.GetProperty("scope").GetString(), "repeats dropped, order kept");
        Assert.IsFalse(plainAnswer.TryGetProperty("aud", out _));
        Assert.IsFalse(plainAnswer.TryGetProperty("scope", out _));
        Assert.AreEqual("billing", current.GetProperty("audience").GetString());
        Assert.AreEqual("invoices:read profile", current.GetProperty("scope").GetString());
    }

    [TestMethod]
    public async Task A_client_restricted_to_its_audience_sees_only_tokens_meant_for_it()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var forBilling = await s_client.LoginForAsync(username, "billing", null);
        var forAnyone = await s_client.LoginTokensAsync(username);
        var billing = $"{BillingId}:{BillingSecret}";

        Assert.IsTrue(await IsActiveAsync(forBilling.AccessToken, billing));
        Assert.IsFalse(await IsActiveAsync(forAnyone.AccessToken, billing), "a token without an audience is not meant for billing");
        Assert.IsTrue(await IsActiveAsync(forAnyone.AccessToken), "an unrestricted client sees every token");
        Assert.IsTrue(await IsActiveAsync(forBilling.AccessToken), "and those meant for others");
    }

    [TestMethod]
    [DataRow("""{"audience":"payroll"}""", "audience", DisplayName = "an audience no client is restricted to")]
    [DataRow("""{"scope":"a\"b"}""", "scope", DisplayName = "a quote in a scope")]
    [DataRow("""{"scope":""}""", "scope", DisplayName = "an empty scope")]
    [DataRow("""{"scope":"a\tb"}""", "scope", DisplayName = "a tab between scopes")]
    public async Task A_sign_in_asking_for_an_unknown_audience_or_a_malformed_scope_is_400(string extra, string field)
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var body = $$"""{"username":"{{username}}","password":"{{GridScenario.Password}}",{{extra[1..]}}""";

        var response = await s_client.PostAsync("/v1/sessions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.IsTrue((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), field);
    }

    [TestMethod]
    public async Task A_repeated_token_parameter_is_invalid_request()
    {
        var response = await SendAsync(new FormUrlEncodedContent([new("token", "a"), new("token", "b")]), $"{ClientId}:{ClientSecret}");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("invalid_request", (await response.ProblemAsync()).GetProperty("error").GetString());
    }

    [TestMethod]
    public async Task An_address_that_keeps_failing_client_authentication_waits_and_is_logged()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["RateLimiting:ClientAuthenticationFailuresPerMinute"] = "3" }
            .With(ClientSettings.Introspection((ClientId, ClientSecret))));
        using var client = host.CreateApiClient();
        var form = () => new FormUrlEncodedContent([new("token", "x")]);

        for (var i = 0; i < 3; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.IntrospectAsync(form(), $"{ClientId}:guess-{i}")).StatusCode);
        }

        var refused = await client.IntrospectAsync(form(), $"{ClientId}:{ClientSecret}");
        Assert.AreEqual(HttpStatusCode.TooManyRequests, refused.StatusCode, "even right credentials wait once the address is out of tries");
        Assert.IsNotNull(refused.Headers.RetryAfter);
        Assert.AreEqual(3, host.Audit.Events.Count(e => e.EventName == "LogClientAuthenticationFailed"));
        host.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.AreEqual(HttpStatusCode.OK, (await client.IntrospectAsync(form(), $"{ClientId}:{ClientSecret}")).StatusCode);
    }

    [TestMethod]
    public async Task A_client_that_keeps_asking_about_inactive_tokens_waits_and_others_do_not()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["RateLimiting:InactiveIntrospectionsPerMinute"] = "3" }
            .With(ClientSettings.Introspection((ClientId, ClientSecret), ("billing", "billing-secret-0123456789abcdef"))));
        using var client = host.CreateApiClient();
        var form = () => new FormUrlEncodedContent([new("token", "iga_made-up")]);

        for (var i = 0; i < 3; i++)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await client.IntrospectAsync(form(), $"{ClientId}:{ClientSecret}")).StatusCode);
        }

        Assert.AreEqual(HttpStatusCode.TooManyRequests, (await client.IntrospectAsync(form(), $"{ClientId}:{ClientSecret}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await client.IntrospectAsync(form(), "billing:billing-secret-0123456789abcdef")).StatusCode, "another client has its own budget");
    }

    [TestMethod]
    public async Task A_missing_token_is_400_and_a_json_body_is_415()
    {
        var missing = await SendAsync(new FormUrlEncodedContent([]), $"{ClientId}:{ClientSecret}");
        var json = await SendAsync(JsonContent.Create(new { token = "x" }), $"{ClientId}:{ClientSecret}");

        Assert.AreEqual(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.AreEqual("invalid_request", (await missing.ProblemAsync()).GetProperty("error").GetString());
        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }

    private static async Task<bool> IsActiveAsync(string token, string credentials = ClientId + ":" + ClientSecret)
    {
        var response = await IntrospectAsync(token, credentials);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean();
    }

    private static Task<HttpResponseMessage> IntrospectAsync(string token, string? credentials = ClientId + ":" + ClientSecret) =>
        s_client.IntrospectAsync(new FormUrlEncodedContent([new("token", token)]), credentials);

    private static Task<HttpResponseMessage> SendAsync(HttpContent content, string? credentials) => s_client.IntrospectAsync(content, credentials);
}
