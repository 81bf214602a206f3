using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Identity.IntegrationTests.Introspection;

/// <summary>
/// Real resource-server libraries check grid tokens through <c>POST /v1/introspect</c>: OpenIddict's
/// validation handler (introspection mode) protecting an ASP.NET Core API, with HTTP Basic and with
/// <c>client_secret_post</c>, restricted to its audience; and panva's <c>openid-client</c> for Node.js.
/// </summary>
[TestClass]
public sealed class ResourceServerTests
{
    private const string OrdersId = "orders-api";
    private const string OrdersSecret = "orders-api-secret-0123456789abcdefghij";
    private const string BillingId = "billing-api";
    private const string BillingSecret = "billing-api-secret-0123456789abcdefghij";
    private static ApiHost s_grid = null!;
    private static HttpClient s_gridClient = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_grid = new ApiHost(ClientSettings.Introspection((OrdersId, OrdersSecret), (BillingId, BillingSecret))
            .With(new Dictionary<string, string?> { ["Introspection:Clients:1:Audience"] = "billing" }));
        s_gridClient = s_grid.CreateApiClient();

        // The libraries check exp and iat against the real clock.
        s_grid.Clock.SetUtcNow(DateTimeOffset.UtcNow);
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    [DataRow(OpenIddictConstants.ClientAuthenticationMethods.ClientSecretBasic)]
    [DataRow(OpenIddictConstants.ClientAuthenticationMethods.ClientSecretPost)]
    public async Task OpenIddict_validation_accepts_a_live_token_with_its_claims_and_refuses_it_once_ended(string method)
    {
        await using var api = await ResourceServer.StartAsync(s_gridClient.BaseAddress!, OrdersId, OrdersSecret, method, audience: null);
        var username = GridScenario.UniqueName();
        (await s_gridClient.RegisterAsync(username)).EnsureSuccessStatusCode();
        var tokens = await s_gridClient.LoginForAsync(username, null, "orders:read profile");

        var accepted = await api.GetAsync("/me", tokens.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, accepted.StatusCode, accepted.Headers.WwwAuthenticate.ToString());
        var claims = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual(tokens.SessionId.ToString(), claims.GetProperty("sid").GetString());
        Assert.AreEqual(username, claims.GetProperty("username").GetString());
        Assert.IsTrue(Guid.TryParse(claims.GetProperty("sub").GetString(), out _));
        Assert.AreEqual("orders:read profile", claims.GetProperty("scope").GetString());

        await s_gridClient.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await api.GetAsync("/me", tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await api.GetAsync("/me", "not-a-token")).StatusCode);
    }

    [TestMethod]
    public async Task OpenIddict_validation_restricted_to_an_audience_accepts_only_tokens_meant_for_it()
    {
        await using var billing = await ResourceServer.StartAsync(s_gridClient.BaseAddress!, BillingId, BillingSecret, OpenIddictConstants.ClientAuthenticationMethods.ClientSecretPost, audience: "billing");
        var username = GridScenario.UniqueName();
        (await s_gridClient.RegisterAsync(username)).EnsureSuccessStatusCode();

        var forBilling = await s_gridClient.LoginForAsync(username, "billing", null);
        var forAnyone = await s_gridClient.LoginForAsync(username, null, null);

        Assert.AreEqual(HttpStatusCode.OK, (await billing.GetAsync("/me", forBilling.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await billing.GetAsync("/me", forAnyone.AccessToken)).StatusCode);
    }

    [TestMethod]
    public async Task Node_openid_client_introspects_with_client_secret_post_and_basic()
    {
        var username = GridScenario.UniqueName();
        (await s_gridClient.RegisterAsync(username)).EnsureSuccessStatusCode();
        var tokens = await s_gridClient.LoginForAsync(username, "billing", "invoices:read");

        var answers = await NodeScript.RunAsync(
            "openid-client@6.8.9",
            """
            import * as client from 'openid-client';
            const [base, token] = process.argv.slice(2);
            const server = { issuer: base, introspection_endpoint: new URL('v1/introspect', base).href };
            const answers = {};
            for (const [name, auth] of [['post', client.ClientSecretPost], ['basic', client.ClientSecretBasic]]) {
              const config = new client.Configuration(server, process.env.CLIENT_ID, undefined, auth(process.env.CLIENT_SECRET));
              client.allowInsecureRequests(config);
              answers[name] = await client.tokenIntrospection(config, token);
            }
            console.log(JSON.stringify(answers));
            """,
            [s_gridClient.BaseAddress!.ToString(), tokens.AccessToken],
            new Dictionary<string, string> { ["CLIENT_ID"] = BillingId, ["CLIENT_SECRET"] = BillingSecret });

        foreach (var method in (string[])["post", "basic"])
        {
            var answer = answers.GetProperty(method);
            Assert.IsTrue(answer.GetProperty("active").GetBoolean(), method);
            Assert.AreEqual("billing", answer.GetProperty("aud").GetString(), method);
            Assert.AreEqual("invoices:read", answer.GetProperty("scope").GetString(), method);
            Assert.AreEqual(tokens.SessionId.ToString(), answer.GetProperty("sid").GetString(), method);
        }
    }

    /// <summary>An ASP.NET Core API on a loopback port protected by OpenIddict's validation handler in introspection mode against the grid.</summary>
    private sealed class ResourceServer(WebApplication app, HttpClient client) : IAsyncDisposable
    {
        public static async Task<ResourceServer> StartAsync(Uri grid, string clientId, string secret, string method, string? audience)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.AddOpenIddict().AddValidation(validation =>
            {
                validation.SetIssuer(grid);
                validation.SetConfiguration(new OpenIddictConfiguration
                {
                    Issuer = grid,
                    IntrospectionEndpoint = new Uri(grid, "v1/introspect"),
                    IntrospectionEndpointAuthMethodsSupported = { method },
                });
                validation.UseIntrospection().SetClientId(clientId).SetClientSecret(secret);
                if (audience is not null)
                {
                    validation.AddAudiences(audience);
                }

                validation.UseSystemNetHttp();
                validation.UseAspNetCore();
            });
            builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
            builder.Services.AddAuthorization();
            var app = builder.Build();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapGet("/me", (HttpContext http) => TypedResults.Json(new Dictionary<string, string?>
            {
                ["sub"] = http.User.FindFirst("sub")?.Value,
                ["sid"] = http.User.FindFirst("sid")?.Value,
                ["username"] = http.User.FindFirst("username")?.Value,
                ["scope"] = http.User.FindFirst("scope")?.Value,
            })).RequireAuthorization();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new ResourceServer(app, new HttpClient { BaseAddress = new Uri(address) });
        }

        public Task<HttpResponseMessage> GetAsync(string path, string accessToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            return client.SendAsync(request);
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
