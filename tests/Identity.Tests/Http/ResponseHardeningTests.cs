using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>What every response says about caching and sniffing, what health tells strangers, and which hosts are answered.</summary>
[TestClass]
public sealed class ResponseHardeningTests
{
    private const string OperatorId = "ops";
    private const string OperatorSecret = "operator-secret-0123456789abcdef0123456789";
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(ClientSettings.Introspection((OperatorId, OperatorSecret)));
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Every_answer_is_nosniff_and_every_api_answer_is_not_stored()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        var responses = new[]
        {
            await s_client.GetCurrentAsync(tokens.AccessToken),
            await s_client.GetCurrentAsync("garbage"),
            await s_client.SendAsync(HttpMethod.Get, "/v1/users/me/sessions", tokens.AccessToken),
            await s_client.PostAsync("/v1/users", new StringContent("{", Encoding.UTF8, "application/json")),
            await s_client.GetAsync("/v1/no-such-route"),
        };

        foreach (var response in responses)
        {
            var what = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.AbsolutePath} → {(int)response.StatusCode}";
            CollectionAssert.Contains(response.Headers.GetValues("X-Content-Type-Options").ToList(), "nosniff", what);
            Assert.IsTrue(response.Headers.CacheControl?.NoStore, what);
        }

        var openapi = await s_client.GetAsync("/openapi/v1.json");
        CollectionAssert.Contains(openapi.Headers.GetValues("X-Content-Type-Options").ToList(), "nosniff");
    }

    [TestMethod]
    public async Task Health_tells_a_stranger_only_whether_it_is_ready_and_an_authenticated_client_which_check()
    {
        var anonymous = await s_client.GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.AreEqual("Healthy", anonymous.GetProperty("status").GetString());
        Assert.IsFalse(anonymous.TryGetProperty("checks", out _), anonymous.ToString());

        var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OperatorId}:{OperatorSecret}")));
        var detailed = await (await s_client.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("Healthy", detailed.GetProperty("checks").GetProperty("grid").GetProperty("status").GetString());
        Assert.AreEqual("Healthy", detailed.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [TestMethod]
    public async Task With_an_allowlist_a_forged_host_is_refused()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["AllowedHosts"] = "identity.example;127.0.0.1" });
        using var client = host.CreateApiClient();

        var forged = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        forged.Headers.Host = "evil.example";

        Assert.AreEqual(HttpStatusCode.BadRequest, (await client.SendAsync(forged)).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
