using Identity.Contracts.Sessions;
using System.Net;
using System.Net.Http.Json;
using Identity.Api.Http;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>Whose address a budget is counted against: the connection's, unless a configured proxy forwarded it.</summary>
[TestClass]
public sealed class ClientAddressTests
{
    [TestMethod]
    public async Task Without_trusted_proxies_forwarded_headers_are_ignored()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["RateLimiting:LoginPerMinute"] = "2" });
        using var client = host.CreateApiClient();

        var statuses = new List<HttpStatusCode>();
        foreach (var forwarded in new[] { "198.51.100.1", "198.51.100.2", "198.51.100.3" })
        {
            statuses.Add((await LoginFromAsync(client, forwarded)).StatusCode);
        }

        CollectionAssert.AreEqual(new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }, statuses,
            "a client cannot pick a fresh budget by sending X-Forwarded-For");
    }

    [TestMethod]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget_and_its_address_is_shown()
    {
        await using var host = new ApiHost(new Dictionary<string, string?>
        {
            ["RateLimiting:LoginPerMinute"] = "2",
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        });
        using var client = host.CreateApiClient();

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await LoginFromAsync(client, "198.51.100.1")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await LoginFromAsync(client, "198.51.100.1")).StatusCode);
        Assert.AreEqual(HttpStatusCode.TooManyRequests, (await LoginFromAsync(client, "198.51.100.1")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await LoginFromAsync(client, "198.51.100.2")).StatusCode, "another client behind the same proxy");

        var username = GridScenario.UniqueName();
        (await client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var login = await LoginFromAsync(client, "203.0.113.9", username, GridScenario.Password);
        var tokens = (await login.Content.ReadFromJsonAsync<ApiTokens>())!;
        var sessions = await (await client.SendAsync(HttpMethod.Get, "/v1/users/me/sessions", tokens.AccessToken)).Content.ReadAsStringAsync();
        StringAssert.Contains(sessions, "\"ip\":\"203.0.113.9\"");
    }

    [TestMethod]
    public void Ipv6_clients_are_budgeted_per_64_and_mapped_ipv4_as_ipv4()
    {
        var a = ClientSource.Of(IPAddress.Parse("2001:db8:1:2:aaaa::1"));
        var b = ClientSource.Of(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        var other = ClientSource.Of(IPAddress.Parse("2001:db8:1:3::1"));

        Assert.AreEqual(a, b);
        Assert.AreNotEqual(a, other);
        Assert.AreEqual(IPAddress.Parse("192.0.2.7"), ClientSource.Of(IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.AreEqual(IPAddress.Parse("192.0.2.7"), ClientSource.Of(IPAddress.Parse("192.0.2.7")));
    }

    [TestMethod]
    public async Task A_proxy_setting_that_is_not_an_address_stops_start_up_naming_it()
    {
        var (exitCode, error) = await ApiStartup.RefusalAsync(new Dictionary<string, string?> { ["ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/99" });

        Assert.AreEqual(1, exitCode);
        StringAssert.Contains(error, "ForwardedHeaders:KnownNetworks:0");
    }

    private static Task<HttpResponseMessage> LoginFromAsync(HttpClient client, string forwardedFor, string username = "x", string password = "some password")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }
}
