using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
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
        s_host = new ApiHost(new Dictionary<string, string?>
        {
            ["Introspection:Clients:0:ClientId"] = ClientId,
            ["Introspection:Clients:0:SecretSha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ClientSecret))),
        });
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
    public async Task A_missing_token_is_400_and_a_json_body_is_415()
    {
        var missing = await SendAsync(new FormUrlEncodedContent([]), $"{ClientId}:{ClientSecret}");
        var json = await SendAsync(JsonContent.Create(new { token = "x" }), $"{ClientId}:{ClientSecret}");

        Assert.AreEqual(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.AreEqual("invalid_request", (await missing.ProblemAsync()).GetProperty("error").GetString());
        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }

    private static Task<HttpResponseMessage> IntrospectAsync(string token, string? credentials = ClientId + ":" + ClientSecret) =>
        SendAsync(new FormUrlEncodedContent([new("token", token)]), credentials);

    private static Task<HttpResponseMessage> SendAsync(HttpContent content, string? credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect") { Content = content };
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        return s_client.SendAsync(request);
    }
}
