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
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(ClientSettings.Introspection((ClientId, ClientSecret)));
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

    private static Task<HttpResponseMessage> IntrospectAsync(string token, string? credentials = ClientId + ":" + ClientSecret) =>
        s_client.IntrospectAsync(new FormUrlEncodedContent([new("token", token)]), credentials);

    private static Task<HttpResponseMessage> SendAsync(HttpContent content, string? credentials) => s_client.IntrospectAsync(content, credentials);
}
