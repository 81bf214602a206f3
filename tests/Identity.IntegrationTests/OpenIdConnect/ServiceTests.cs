using System.Text.Json;
using Duende.IdentityModel.Client;
using Identity.Testing;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>
/// Clients that are not .NET web apps: a service using client credentials (Duende.IdentityModel)
/// whose token a resource server introspects, and npm's openid-client performing discovery, the
/// client-credentials grant and the refresh grant.
/// </summary>
[TestClass]
public sealed class ServiceTests
{
    private static GridProcess s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await OidcGrid.StartAsync();

    private static string Url(string path) => new Uri(s_grid.Client.BaseAddress!, path).ToString();

    [TestMethod]
    public async Task A_service_gets_a_token_with_client_credentials_and_a_resource_server_introspects_it()
    {
        using var http = new HttpClient();
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = s_grid.Client.BaseAddress!.ToString(),
            Policy = { RequireHttps = false },
        });
        Assert.IsFalse(discovery.IsError, discovery.Error);

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = OidcGrid.ServiceId,
            ClientSecret = OidcGrid.ServiceSecret,
            Scope = "invoices:read",
        });
        Assert.IsFalse(token.IsError, token.Error);

        var introspection = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = discovery.IntrospectionEndpoint ?? Url("v1/introspect"),
            ClientId = OidcGrid.IntrospectorId,
            ClientSecret = OidcGrid.IntrospectorSecret,
            Token = token.AccessToken!,
        });
        Assert.IsTrue(introspection.IsActive, introspection.Raw);
        Assert.AreEqual(OidcGrid.ServiceId, introspection.Claims.First(c => c.Type == "client_id").Value);
        Assert.AreEqual(OidcGrid.ServiceId, introspection.Claims.First(c => c.Type == "sub").Value);
        Assert.AreEqual("billing-api", introspection.Claims.First(c => c.Type == "aud").Value);
    }

    [TestMethod]
    public async Task Node_openid_client_discovers_the_grid_and_uses_the_client_credentials_and_refresh_grants()
    {
        // A refresh token of the Node app, from a code flow driven without a browser.
        var username = GridScenario.UniqueName();
        (await s_grid.Client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var browser = new FormBrowser(s_grid.Client);
        var (verifier, challenge) = OidcClients.Pkce();
        var code = OidcFlow.CodeOf(browser, await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(OidcGrid.NodeAppId, OidcGrid.NodeRedirect, "openid profile offline_access", challenge), username));
        using var http = new HttpClient();
        var first = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = Url("connect/token"),
            ClientId = OidcGrid.NodeAppId,
            ClientSecret = OidcGrid.NodeAppSecret,
            Code = code,
            RedirectUri = OidcGrid.NodeRedirect,
            CodeVerifier = verifier,
        });
        Assert.IsFalse(first.IsError, first.Error);

        var answers = await NodeScript.RunAsync(
            "openid-client@6.8.9",
            """
            import * as client from 'openid-client';
            const [issuer, refreshToken] = process.argv.slice(2);
            const options = { execute: [client.allowInsecureRequests] };
            const service = await client.discovery(new URL(issuer), process.env.SERVICE_ID, process.env.SERVICE_SECRET, undefined, options);
            const app = await client.discovery(new URL(issuer), process.env.APP_ID, process.env.APP_SECRET, undefined, options);
            const credentials = await client.clientCredentialsGrant(service, { scope: 'invoices:read' });
            const refreshed = await client.refreshTokenGrant(app, refreshToken);
            let replay = 'accepted';
            try { await client.refreshTokenGrant(app, refreshToken); } catch (e) { replay = e.error ?? e.code ?? String(e); }
            const metadata = service.serverMetadata();
            console.log(JSON.stringify({
              issuer: metadata.issuer,
              credentials: credentials.access_token,
              refreshed: refreshed.access_token,
              rotated: refreshed.refresh_token !== refreshToken,
              subject: refreshed.claims()?.sub,
              replay,
            }));
            """,
            [s_grid.Client.BaseAddress!.ToString(), first.RefreshToken!],
            new Dictionary<string, string>
            {
                ["SERVICE_ID"] = OidcGrid.ServiceId,
                ["SERVICE_SECRET"] = OidcGrid.ServiceSecret,
                ["APP_ID"] = OidcGrid.NodeAppId,
                ["APP_SECRET"] = OidcGrid.NodeAppSecret,
            });

        Assert.AreEqual(s_grid.Client.BaseAddress!.ToString(), answers.GetProperty("issuer").GetString());
        StringAssert.StartsWith(answers.GetProperty("credentials").GetString(), "iga_");
        StringAssert.StartsWith(answers.GetProperty("refreshed").GetString(), "iga_");
        Assert.IsTrue(answers.GetProperty("rotated").GetBoolean());
        Assert.IsFalse(string.IsNullOrEmpty(answers.GetProperty("subject").GetString()), "the ID token of the refresh, validated by openid-client");
        Assert.AreEqual("invalid_grant", answers.GetProperty("replay").GetString());
    }
}
