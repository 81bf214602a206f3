using System.Net;
using System.Text.Json;
using Identity.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Identity.Testing.OidcClients;

namespace Identity.Tests.OpenIdConnect;

/// <summary>
/// The authorization code flow with PKCE through the hosted pages, token exchange, refresh under
/// the grid's rotation rules, user info, and what the grid's session rules do to OAuth tokens.
/// </summary>
[TestClass]
public sealed class CodeFlowTests
{
    private static ApiHost s_host = null!;
    private static HttpClient s_server = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(Settings().With(ClientSettings.Introspection(("orders", "orders-secret-0123456789"))));
        s_server = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    private static async Task<(FormBrowser Browser, string Username, TokenAnswer Tokens)> SignInWebAppAsync(string scope = "openid profile email offline_access") =>
        await OidcFlow.SignInAsync(s_server, WebAppId, WebRedirect, WebSecret, scope, await NewUserWithEmailAsync());

    private static async Task<string> NewUserWithEmailAsync()
    {
        var username = GridScenario.UniqueName();
        await s_host.RegisterWithProvenEmailAsync(s_server, username, $"{Guid.NewGuid():N}@example.test");
        return username;
    }

    [TestMethod]
    public async Task A_web_app_signs_a_user_in_with_a_code_and_gets_grid_session_tokens_and_a_signed_id_token()
    {
        var (_, username, tokens) = await SignInWebAppAsync();

        Assert.AreEqual("Bearer", tokens.TokenType);
        Assert.StartsWith("iga_", tokens.AccessToken!, "the access token is a grid session token");
        Assert.StartsWith("igr_", tokens.RefreshToken!);
        Assert.AreEqual(3600, tokens.ExpiresIn, "the grid's access token lifetime");

        var jwks = new JsonWebKeySet(await s_server.GetStringAsync("/.well-known/jwks"));
        var id = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.IdToken, new TokenValidationParameters
        {
            ValidIssuer = s_server.BaseAddress!.ToString(),
            ValidAudience = WebAppId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (_, expires, _, _) => expires > s_host.Clock.GetUtcNow().UtcDateTime,
        });
        Assert.IsTrue(id.IsValid, id.Exception?.ToString());
        var claims = id.Claims;
        Assert.AreEqual(username, claims["preferred_username"]);
        Assert.AreEqual("nonce-1", claims["nonce"]);
        Assert.IsTrue(claims.ContainsKey("sid") && claims.ContainsKey("auth_time") && claims.ContainsKey("email"));
        Assert.AreEqual("RS256", ((JsonWebToken)id.SecurityToken).Alg);
    }

    [TestMethod]
    public async Task The_access_token_works_everywhere_a_grid_token_does_and_user_info_answers_by_scope()
    {
        var (_, username, tokens) = await SignInWebAppAsync(scope: "openid profile");

        var current = await s_server.SendAsync(HttpMethod.Get, "/v1/sessions/current", tokens.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, current.StatusCode);
        var session = await OidcFlow.JsonAsync(current);
        Assert.AreEqual("openid profile", session.GetProperty("scope").GetString());

        var info = await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!);
        Assert.AreEqual(HttpStatusCode.OK, info.StatusCode);
        var claims = await OidcFlow.JsonAsync(info);
        Assert.AreEqual(username, claims.GetProperty("preferred_username").GetString());
        Assert.IsFalse(claims.TryGetProperty("email", out _), "no email scope, no email");

        var introspected = await s_server.IntrospectAsync(new FormUrlEncodedContent([new("token", tokens.AccessToken!)]), "orders:orders-secret-0123456789");
        var introspection = await OidcFlow.JsonAsync(introspected);
        Assert.IsTrue(introspection.GetProperty("active").GetBoolean());
        Assert.AreEqual(claims.GetProperty("sub").GetString(), introspection.GetProperty("sub").GetString());
    }

    [TestMethod]
    public async Task A_refresh_rotates_the_pair_and_replaying_the_old_refresh_token_ends_the_session()
    {
        var (_, _, first) = await SignInWebAppAsync();

        var second = await OidcFlow.RefreshAsync(s_server, first.RefreshToken!, WebAppId, WebSecret);
        Assert.AreEqual(HttpStatusCode.OK, second.Status, second.Error);
        Assert.AreNotEqual(first.RefreshToken, second.RefreshToken);
        Assert.IsNotNull(second.IdToken, "openid: a fresh ID token on refresh too");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, first.AccessToken!)).StatusCode, "the previous access token is replaced");
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.UserInfoAsync(s_server, second.AccessToken!)).StatusCode);

        var replay = await OidcFlow.RefreshAsync(s_server, first.RefreshToken!, WebAppId, WebSecret);
        Assert.AreEqual("invalid_grant", replay.Error);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, second.AccessToken!)).StatusCode, "reuse ended the session");
        Assert.AreEqual("invalid_grant", (await OidcFlow.RefreshAsync(s_server, second.RefreshToken!, WebAppId, WebSecret)).Error);
    }

    [TestMethod]
    public async Task A_refresh_token_is_bound_to_its_client()
    {
        var (_, _, tokens) = await SignInWebAppAsync();

        var stolen = await OidcFlow.RefreshAsync(s_server, tokens.RefreshToken!, PhoneAppId, secret: null);

        Assert.AreEqual("invalid_grant", stolen.Error);
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.RefreshAsync(s_server, tokens.RefreshToken!, WebAppId, WebSecret)).Status, "the owner's token still works");
    }

    [TestMethod]
    public async Task A_code_is_redeemed_once_and_only_with_its_verifier_and_a_replay_ends_what_it_issued()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);
        var (verifier, challenge) = Pkce();
        var code = OidcFlow.CodeOf(browser, await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", challenge), username));

        Assert.AreEqual("invalid_grant", (await OidcFlow.ExchangeAsync(s_server, code, Pkce().Verifier, WebAppId, WebRedirect, WebSecret)).Error, "wrong verifier");
        var tokens = await OidcFlow.ExchangeAsync(s_server, code, verifier, WebAppId, WebRedirect, WebSecret);
        Assert.AreEqual(HttpStatusCode.OK, tokens.Status);
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode);

        Assert.AreEqual("invalid_grant", (await OidcFlow.ExchangeAsync(s_server, code, verifier, WebAppId, WebRedirect, WebSecret)).Error, "second redemption");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode, "RFC 6749 §4.1.2: what the code issued is revoked");
    }

    [TestMethod]
    public async Task A_public_client_must_use_pkce_s256_and_plain_is_refused()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);
        var (verifier, challenge) = Pkce();

        var without = await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(PhoneAppId, NativeRedirect, "openid", challenge: null), username);
        var plain = await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(PhoneAppId, NativeRedirect, "openid", verifier, method: "plain"), username);
        var s256 = await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(PhoneAppId, NativeRedirect, "openid offline_access", challenge), username);

        Assert.AreEqual("invalid_request", await OidcFlow.ErrorOf(browser, without));
        Assert.AreEqual("invalid_request", await OidcFlow.ErrorOf(browser, plain));
        var tokens = await OidcFlow.ExchangeAsync(s_server, OidcFlow.CodeOf(browser, s256), verifier, PhoneAppId, NativeRedirect, secret: null);
        Assert.AreEqual(HttpStatusCode.OK, tokens.Status, tokens.Error);
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.RefreshAsync(s_server, tokens.RefreshToken!, PhoneAppId, secret: null)).Status);
    }

    [TestMethod]
    public async Task A_redirect_uri_must_match_exactly_and_a_mismatch_is_never_redirected_to()
    {
        var browser = new FormBrowser(s_server);
        foreach (var wrong in new[] { WebRedirect + "/", WebRedirect + "?x=1", WebRedirect.ToUpperInvariant(), "https://evil.example.test/signin-oidc" })
        {
            var response = await browser.GetAsync(OidcFlow.AuthorizeUrl(WebAppId, wrong, "openid", Pkce().Challenge));
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, wrong);
            Assert.IsNull(response.Headers.Location, wrong);
        }
    }

    [TestMethod]
    public async Task Without_offline_access_there_is_no_refresh_token()
    {
        var (_, _, tokens) = await SignInWebAppAsync(scope: "openid");

        Assert.IsNull(tokens.RefreshToken);
        Assert.IsNotNull(tokens.AccessToken);
    }

    [TestMethod]
    public async Task Ending_the_grid_session_ends_the_oauth_tokens_at_once()
    {
        var (_, _, tokens) = await SignInWebAppAsync();

        Assert.AreEqual(HttpStatusCode.NoContent, (await s_server.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken)).StatusCode);

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode);
        Assert.AreEqual("invalid_grant", (await OidcFlow.RefreshAsync(s_server, tokens.RefreshToken!, WebAppId, WebSecret)).Error);
    }

    [TestMethod]
    public async Task Rfc7009_revoking_a_refresh_token_ends_its_session()
    {
        var (_, _, tokens) = await SignInWebAppAsync();

        var revoke = new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new FormUrlEncodedContent([new("token", tokens.RefreshToken!), new("token_type_hint", "refresh_token"), new("client_id", WebAppId), new("client_secret", WebSecret)]),
        };
        var response = await s_server.SendAsync(revoke);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode);
    }

    [TestMethod]
    public async Task Each_code_exchange_is_its_own_session_in_the_users_device_list()
    {
        var (browser, username, first) = await SignInWebAppAsync();
        var (_, _, second) = await OidcFlow.SignInAsync(s_server, WebAppId, WebRedirect, WebSecret, username: username, browser: browser);

        var list = await OidcFlow.JsonAsync(await s_server.SendAsync(HttpMethod.Get, "/v1/users/me/sessions", second.AccessToken));

        Assert.AreEqual(3, list.GetProperty("sessions").GetArrayLength(), "the hosted pages' sign-in and one session per exchange (no second password prompt)");
        Assert.AreNotEqual(first.AccessToken, second.AccessToken);
    }

    [TestMethod]
    public async Task A_client_that_validates_offline_gets_short_signed_jwt_access_tokens_that_the_provider_revokes()
    {
        var (browser, _, tokens) = await OidcFlow.SignInAsync(s_server, OfflineAppId, OfflineRedirect, OfflineSecret, $"openid {ServiceScope} offline_access");
        Assert.AreEqual(300, tokens.ExpiresIn, "OpenIdConnect:JwtAccessTokenLifetime");

        // What a resource server does offline: the JWKS, the issuer, its own audience.
        var jwks = new JsonWebKeySet(await s_server.GetStringAsync("/.well-known/jwks"));
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = s_server.BaseAddress!.ToString(),
            ValidAudience = ServiceResource,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (_, expires, _, _) => expires > s_host.Clock.GetUtcNow().UtcDateTime,
        };
        var offline = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.AccessToken, parameters);
        Assert.IsTrue(offline.IsValid, offline.Exception?.ToString());
        Assert.AreEqual("at+jwt", ((JsonWebToken)offline.SecurityToken).Typ);
        Assert.AreEqual(OfflineAppId, offline.Claims["client_id"]);
        StringAssert.Contains(offline.Claims["scope"].ToString(), ServiceScope);
        Assert.IsTrue(offline.Claims.ContainsKey("sid"));
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode);
        var refreshed = await OidcFlow.RefreshAsync(s_server, tokens.RefreshToken!, OfflineAppId, OfflineSecret);
        Assert.AreEqual(3, refreshed.AccessToken!.Split('.').Length, "refreshes give JWTs too");

        var revoke = await s_server.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new FormUrlEncodedContent([new("token", refreshed.RefreshToken!), new("client_id", OfflineAppId), new("client_secret", OfflineSecret)]),
        });
        Assert.AreEqual(HttpStatusCode.OK, revoke.StatusCode);

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, refreshed.AccessToken!)).StatusCode, "the provider refuses it at once");
        Assert.IsTrue((await new JsonWebTokenHandler().ValidateTokenAsync(refreshed.AccessToken, parameters)).IsValid, "the trade-off: offline it stays valid until it expires");
    }
}
