using System.Security.Claims;
using Duende.IdentityModel.OidcClient;
using Duende.IdentityModel.OidcClient.Browser;
using Duende.IdentityModel.OidcClient.Results;
using Identity.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Playwright;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>
/// A native (public) app with Duende's OidcClient: authorization code with PKCE through the
/// hosted login page (the system browser's part played by headless Chromium, the loopback
/// redirect caught as the app would), then refresh with rotation — and a replayed refresh token
/// ends the session, as the grid's rules say.
/// </summary>
[TestClass]
public sealed class NativeAppTests
{
    private static GridProcess s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await OidcGrid.StartAsync();

    [TestMethod]
    public async Task A_phone_app_signs_in_with_pkce_refreshes_and_a_replayed_refresh_token_ends_the_session()
    {
        var username = GridScenario.UniqueName();
        (await s_grid.Client.RegisterAsync(username)).EnsureSuccessStatusCode();
        await using var context = await HeadlessChromium.NewContextAsync(HeadlessChromium.PhoneWidth, HeadlessChromium.PhoneHeight);
        var client = new OidcClient(new OidcClientOptions
        {
            Authority = s_grid.Client.BaseAddress!.ToString(),
            ClientId = OidcGrid.PhoneAppId,
            Scope = "openid profile offline_access",
            RedirectUri = OidcGrid.PhoneRedirect,
            Browser = new SystemBrowser(context, username),
            Policy = { Discovery = { RequireHttps = false } },
            IdentityTokenValidator = new JwksIdentityTokenValidator(),
        });

        var login = await client.LoginAsync();

        Assert.IsFalse(login.IsError, login.Error + " " + login.ErrorDescription);
        StringAssert.StartsWith(login.AccessToken, "iga_");
        Assert.AreEqual(username, login.User.FindFirst("preferred_username")?.Value, "from the ID token and user info");
        var refreshed = await client.RefreshTokenAsync(login.RefreshToken);
        Assert.IsFalse(refreshed.IsError, refreshed.Error);
        Assert.AreNotEqual(login.RefreshToken, refreshed.RefreshToken, "rotated");

        var replay = await client.RefreshTokenAsync(login.RefreshToken);
        Assert.AreEqual("invalid_grant", replay.Error);
        var afterReplay = await client.RefreshTokenAsync(refreshed.RefreshToken);
        Assert.AreEqual("invalid_grant", afterReplay.Error, "the replay ended the session: the newest refresh token is dead too");
        var userInfo = await client.GetUserInfoAsync(refreshed.AccessToken);
        Assert.IsTrue(userInfo.IsError, "and its access token");
    }

    /// <summary>The system browser's part: the user signs in on the hosted page; the app catches the loopback redirect.</summary>
    private sealed class SystemBrowser(IBrowserContext context, string username) : Duende.IdentityModel.OidcClient.Browser.IBrowser
    {
        public async Task<BrowserResult> InvokeAsync(BrowserOptions options, CancellationToken cancellationToken = default)
        {
            var page = await context.NewPageAsync();
            var returned = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.RouteAsync($"{options.EndUrl}**", async route =>
            {
                returned.TrySetResult(route.Request.Url);
                await route.FulfillAsync(new() { Status = 200, Body = "You can return to the app." });
            });
            await page.GotoAsync(options.StartUrl);
            await page.GetByLabel("Username or email").FillAsync(username);
            await page.GetByLabel("Password").FillAsync(GridScenario.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
            var url = await returned.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return new BrowserResult { ResultType = BrowserResultType.Success, Response = url };
        }
    }

    /// <summary>Checks the ID token's signature against the provider's JWKS, its issuer, audience and lifetime.</summary>
    private sealed class JwksIdentityTokenValidator : IIdentityTokenValidator
    {
        public async Task<IdentityTokenValidationResult> ValidateAsync(string identityToken, OidcClientOptions options, CancellationToken cancellationToken = default)
        {
            var keys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(System.Text.Json.JsonSerializer.Serialize(options.ProviderInformation.KeySet));
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(identityToken, new TokenValidationParameters
            {
                ValidIssuer = options.ProviderInformation.IssuerName,
                ValidAudience = options.ClientId,
                IssuerSigningKeys = keys.GetSigningKeys(),
                NameClaimType = "preferred_username",
            });
            return result.IsValid
                ? new IdentityTokenValidationResult { User = new ClaimsPrincipal(result.ClaimsIdentity), SignatureAlgorithm = ((JsonWebToken)result.SecurityToken).Alg }
                : new IdentityTokenValidationResult { Error = result.Exception?.Message ?? "invalid ID token" };
        }
    }
}
