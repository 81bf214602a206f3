using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Contracts.Security;
using Identity.Testing;

namespace Identity.IntegrationTests.Client;

/// <summary>
/// The ProtectedService sample (a service using Identity.Client) as its own process next to a grid
/// Api process: remote mode with push revocation — measured from the grid's answer to a logout to
/// the service refusing the token — and in-cluster mode through the gateway with an Api certificate.
/// </summary>
[TestClass]
public sealed class ProtectedServiceTests
{
    private const string ClientId = "orders";
    private const string ClientSecret = "orders-secret-for-the-sample-0123456789";
    private static GridProcess s_grid = null!;
    private static string s_gateway = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        var environment = GridProcess.NodePorts();
        environment["Storage__Mode"] = "Memory";
        foreach (var (key, value) in ClientSettings.Introspection((ClientId, ClientSecret)))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        s_gateway = $"127.0.0.1:{environment["Orleans__GatewayPort"]}";
        s_grid = await GridProcess.StartApiAsync(environment);
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Remote_mode_with_push_refuses_a_revoked_token_within_100_ms_of_the_logout()
    {
        // Cached for ten minutes while push is live, never without it: only push can make it refuse in time.
        await using var service = await GridProcess.StartServiceAsync(new Dictionary<string, string>
        {
            ["IdentityGrid__Mode"] = "Remote",
            ["IdentityGrid__Authority"] = s_grid.Client.BaseAddress!.ToString(),
            ["IdentityGrid__ClientId"] = ClientId,
            ["IdentityGrid__ClientSecret"] = ClientSecret,
            ["IdentityGrid__CacheDuration"] = "00:10:00",
            ["IdentityGrid__CacheDurationWithoutPush"] = "00:00:00",
        });

        var delays = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var tokens = await s_grid.Client.SignUpAndLoginForAsync(null, "orders:read");
            Assert.AreEqual(HttpStatusCode.OK, (await GetAsync(service, "/orders", tokens.AccessToken)).StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, (await GetAsync(service, "/orders", tokens.AccessToken)).StatusCode);

            var logout = await s_grid.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);
            Assert.AreEqual(HttpStatusCode.NoContent, logout.StatusCode);
            var clock = Stopwatch.StartNew();
            while ((await GetAsync(service, "/orders", tokens.AccessToken)).StatusCode == HttpStatusCode.OK)
            {
                Assert.IsLessThan(TimeSpan.FromSeconds(5), clock.Elapsed, "the revoked token was still accepted after 5 s");
            }

            delays.Add(clock.Elapsed.TotalMilliseconds);
        }

        delays.Sort();
        var median = delays[delays.Count / 2];
        TestContext.WriteLine($"logout answered -> service refuses (ms): {string.Join(", ", delays.Select(d => d.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}; median {median:0.0}");
        Assert.IsLessThanOrEqualTo(100, median, $"median {median:0.0} ms");
    }

    [TestMethod]
    public async Task In_cluster_mode_checks_the_session_grain_through_the_gateway_and_push_drops_a_revoked_session()
    {
        var environment = new Dictionary<string, string>
        {
            ["IdentityGrid__Mode"] = "InCluster",
            ["IdentityGrid__Cluster__Gateways__0"] = s_gateway,
            ["IdentityGrid__CacheDuration"] = "00:10:00",
            ["IdentityGrid__CacheDurationWithoutPush"] = "00:00:00",
        };
        foreach (var (key, value) in TestCertificates.Environment(GridRole.Api))
        {
            environment[key.Replace("Tls__", "IdentityGrid__Cluster__", StringComparison.Ordinal)] = value;
        }

        await using var service = await GridProcess.StartServiceAsync(environment);
        var reader = await s_grid.Client.SignUpAndLoginForAsync(null, "orders:read profile");
        var stranger = await s_grid.Client.SignUpAndLoginForAsync(null, null);

        var me = await GetAsync(service, "/me", reader.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, me.StatusCode);
        var claims = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual(reader.SessionId.ToString(), claims.GetProperty("sessionId").GetString());
        Assert.AreEqual("orders:read profile", claims.GetProperty("scope").GetString());
        Assert.AreEqual(HttpStatusCode.OK, (await GetAsync(service, "/orders", reader.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await GetAsync(service, "/orders", stranger.AccessToken)).StatusCode, "no orders:read scope");

        // Cached for ten minutes while the observer is subscribed: only push can make it refuse in time.
        var logout = await s_grid.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", reader.AccessToken);
        Assert.AreEqual(HttpStatusCode.NoContent, logout.StatusCode);
        var clock = Stopwatch.StartNew();
        while ((await GetAsync(service, "/orders", reader.AccessToken)).StatusCode == HttpStatusCode.OK)
        {
            Assert.IsLessThan(TimeSpan.FromSeconds(5), clock.Elapsed, "the revoked token was still accepted after 5 s");
        }

        TestContext.WriteLine($"in-cluster: logout answered -> service refuses: {clock.Elapsed.TotalMilliseconds:0.0} ms");
        Assert.IsLessThanOrEqualTo(1000, clock.Elapsed.TotalMilliseconds);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await GetAsync(service, "/orders", reader.AccessToken)).StatusCode);
    }

    [TestMethod]
    public async Task In_cluster_mode_with_a_service_certificate_is_refused_by_the_gateway()
    {
        var environment = new Dictionary<string, string>
        {
            ["IdentityGrid__Mode"] = "InCluster",
            ["IdentityGrid__Cluster__Gateways__0"] = s_gateway,
            ["IdentityGrid__Cluster__ConnectTimeout"] = "00:00:03",
        };
        foreach (var (key, value) in TestCertificates.Environment(GridRole.Service))
        {
            environment[key.Replace("Tls__", "IdentityGrid__Cluster__", StringComparison.Ordinal)] = value;
        }

        var (exitCode, errors, _) = await GridProcess.RunServiceUntilExitAsync(environment);

        Assert.AreNotEqual(0, exitCode, "a service certificate opens no gateway: the service cannot start in in-cluster mode");
        StringAssert.Contains(errors, "role Api", errors);
    }

    private static Task<HttpResponseMessage> GetAsync(GridProcess service, string path, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return service.Client.SendAsync(request);
    }
}
