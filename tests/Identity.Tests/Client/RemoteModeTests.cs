using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Client;
using Identity.Client.Checks;
using Identity.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Identity.Tests.Client;

/// <summary>
/// Identity.Client in remote mode, in a service host next to a grid host: introspection as the
/// configured client, answers cached, push revocation dropping them, and the failure answers.
/// </summary>
[TestClass]
public sealed class RemoteModeTests
{
    private const string ClientId = "orders";
    private const string ClientSecret = "orders-secret-0123456789abcdefghijkl";
    private static ApiHost s_grid = null!;
    private static HttpClient s_gridClient = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_grid = new ApiHost(ClientSettings.Introspection((ClientId, ClientSecret), ("billing", "billing-secret-0123456789abcdefghij"))
            .With(new Dictionary<string, string?> { ["Introspection:Clients:1:Audience"] = "billing" }));
        s_gridClient = s_grid.CreateApiClient();

        // The service caches until the token's exp, read on the real clock.
        s_grid.Clock.SetUtcNow(DateTimeOffset.UtcNow);
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task A_token_is_asked_about_once_then_answered_from_the_cache_until_push_says_its_session_ended()
    {
        await using var service = await Service.StartAsync(o => o.CacheDuration = TimeSpan.FromHours(1));
        await service.WaitForPushAsync();
        var tokens = await s_gridClient.SignUpAndLoginForAsync(null, "orders:read profile");

        for (var i = 0; i < 3; i++)
        {
            var me = await service.GetAsync("/me", tokens.AccessToken);
            Assert.AreEqual(HttpStatusCode.OK, me.StatusCode);
            var claims = await me.Content.ReadFromJsonAsync<Dictionary<string, JsonElement>>();
            Assert.AreEqual(tokens.SessionId.ToString(), claims!["sid"][0].GetString());
            CollectionAssert.AreEqual(new[] { "orders:read", "profile" }, claims["scope"].EnumerateArray().Select(s => s.GetString()).ToArray());
        }

        Assert.AreEqual(1, service.Introspections, "asked once, then cached");

        await s_gridClient.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

        await service.WaitForStatusAsync("/me", tokens.AccessToken, HttpStatusCode.Unauthorized);
        Assert.AreEqual(2, service.Introspections, "the ended session was dropped from the cache, so the grid was asked again");
    }

    [TestMethod]
    public async Task Without_push_a_revoked_token_is_accepted_until_the_cache_lifetime_and_no_longer()
    {
        await using var service = await Service.StartAsync(o =>
        {
            o.PushRevocation = false;
            o.CacheDurationWithoutPush = TimeSpan.FromHours(1);
        });
        var tokens = await s_gridClient.SignUpAndLoginForAsync(null, null);

        Assert.AreEqual(HttpStatusCode.OK, (await service.GetAsync("/me", tokens.AccessToken)).StatusCode);
        await s_gridClient.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.OK, (await service.GetAsync("/me", tokens.AccessToken)).StatusCode, "the documented staleness: the cache lifetime bounds it");
        Assert.AreEqual(1, service.Introspections);
    }

    [TestMethod]
    public async Task Anything_but_a_grid_access_token_is_refused_without_asking_the_grid()
    {
        await using var service = await Service.StartAsync(_ => { });
        var (_, tokens) = await s_gridClient.SignUpAndLoginAsync();

        var garbage = await service.GetAsync("/me", "not-a-token");
        var refresh = await service.GetAsync("/me", tokens.RefreshToken);
        var none = await service.GetAsync("/me", null);

        Assert.AreEqual(HttpStatusCode.Unauthorized, garbage.StatusCode);
        Assert.AreEqual("Bearer error=\"invalid_token\"", garbage.Headers.WwwAuthenticate.ToString());
        Assert.AreEqual(HttpStatusCode.Unauthorized, refresh.StatusCode, "a refresh token is not an access token");
        Assert.AreEqual(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.AreEqual("Bearer", none.Headers.WwwAuthenticate.ToString());
        Assert.AreEqual(0, service.Introspections);
    }

    [TestMethod]
    public async Task A_grid_that_cannot_be_asked_is_503_with_retry_after_not_a_sign_out()
    {
        await using var service = await Service.StartAsync(o =>
        {
            o.Authority = new Uri($"http://127.0.0.1:{Ports.Free()}/");
            o.PushRevocation = false;
        });
        var (_, tokens) = await s_gridClient.SignUpAndLoginAsync();

        var response = await service.GetAsync("/me", tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.IsNotNull(response.Headers.RetryAfter);
    }

    [TestMethod]
    public async Task A_service_without_its_client_credentials_does_not_start_and_says_which_option()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Service.StartAsync(o => o.ClientSecret = null));

        StringAssert.Contains(error.Message, "IdentityGrid: ClientId and ClientSecret are required in remote mode");
    }

    [TestMethod]
    public async Task A_service_expecting_an_audience_accepts_only_tokens_meant_for_it()
    {
        await using var service = await Service.StartAsync(o => o.Audience = "billing");

        var forBilling = await s_gridClient.SignUpAndLoginForAsync("billing", null);
        var forAnyone = await s_gridClient.SignUpAndLoginForAsync(null, null);

        Assert.AreEqual(HttpStatusCode.OK, (await service.GetAsync("/me", forBilling.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await service.GetAsync("/me", forAnyone.AccessToken)).StatusCode);
    }

    /// <summary>A service protected by the library (in a test server), counting the introspections it makes.</summary>
    private sealed class Service(WebApplication app, HttpClient client, IntrospectionCounter counter) : IAsyncDisposable
    {
        public int Introspections => counter.Count;

        public static async Task<Service> StartAsync(Action<IdentityGridOptions> configure)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            var counter = new IntrospectionCounter();
            builder.Services.AddAuthentication(IdentityGridDefaults.AuthenticationScheme).AddIdentityGrid(o =>
            {
                o.Authority = s_gridClient.BaseAddress;
                o.ClientId = ClientId;
                o.ClientSecret = ClientSecret;
                configure(o);
            });
            builder.Services.AddHttpClient(IdentityGridChecks.HttpClientName(IdentityGridDefaults.AuthenticationScheme)).AddHttpMessageHandler(() => counter);
            builder.Services.AddAuthorization();
            var app = builder.Build();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapGet("/me", (HttpContext http) => http.User.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToArray()))
                .RequireAuthorization();
            await app.StartAsync();
            return new Service(app, app.GetTestClient(), counter);
        }

        public Task<HttpResponseMessage> GetAsync(string path, string? accessToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (accessToken is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            }

            return client.SendAsync(request);
        }

        public async Task WaitForPushAsync()
        {
            var checks = app.Services.GetRequiredService<IdentityGridChecks>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (checks.For(IdentityGridDefaults.AuthenticationScheme) is not CachedTokenCheck { PushLive: true })
            {
                Assert.IsLessThan(deadline, DateTime.UtcNow, "the revocation stream never became live");
                await Task.Delay(20);
            }
        }

        public async Task WaitForStatusAsync(string path, string accessToken, HttpStatusCode expected)
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while ((await GetAsync(path, accessToken)).StatusCode != expected)
            {
                Assert.IsLessThan(deadline, DateTime.UtcNow, $"{path} never answered {expected}");
                await Task.Delay(10);
            }
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class IntrospectionCounter : DelegatingHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/v1/introspect", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
