using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Identity.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>
/// A confidential web app — ASP.NET Core with Microsoft's OpenID Connect handler, on its own
/// loopback port — signs a user in through the grid's hosted login page in headless Chromium,
/// reads the claims, refreshes its tokens, and signs out (RP-initiated logout ends the grid session).
/// </summary>
[TestClass]
public sealed class WebAppTests
{
    private static GridProcess s_grid = null!;
    private static WebApplication s_app = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        s_grid = await OidcGrid.StartAsync();
        s_app = BuildWebApp(s_grid.Client.BaseAddress!);
        await s_app.StartAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_app.DisposeAsync();

    [TestMethod]
    public async Task A_user_signs_in_to_the_web_app_through_the_hosted_page_refreshes_and_signs_out()
    {
        var username = await OidcGrid.NewUserWithProvenEmailAsync(s_grid.Client);
        await using var context = await HeadlessChromium.NewContextAsync();
        var page = await context.NewPageAsync();

        // The app challenges; the browser lands on the grid's login page.
        await page.GotoAsync($"{OidcGrid.WebApp}/");
        Assert.StartsWith($"{s_grid.Client.BaseAddress}account/login", page.Url);
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(GridScenario.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"{OidcGrid.WebApp}/");
        var me = await JsonAtAsync(page, "/");
        Assert.AreEqual(username, me.GetProperty("name").GetString(), "preferred_username as the name");
        Assert.AreEqual($"{username}@example.test", me.GetProperty("email").GetString(), "from the ID token / user info");
        var accessToken = me.GetProperty("accessToken").GetString()!;
        StringAssert.StartsWith(accessToken, "iga_");
        Assert.IsTrue(await IsActiveAsync(accessToken));

        // The app refreshes with its refresh token (as a background job would): the grid rotates the pair.
        var refreshed = await JsonAtAsync(page, "/refresh");
        Assert.IsTrue(refreshed.GetProperty("ok").GetBoolean(), refreshed.ToString());
        var newAccess = refreshed.GetProperty("accessToken").GetString()!;
        Assert.AreNotEqual(accessToken, newAccess);
        Assert.IsFalse(await IsActiveAsync(accessToken), "the previous access token was replaced");
        Assert.IsTrue(await IsActiveAsync(newAccess));

        // RP-initiated logout: the grid asks for confirmation, ends the sessions and sends the browser back.
        await page.GotoAsync($"{OidcGrid.WebApp}/logout");
        Assert.StartsWith($"{s_grid.Client.BaseAddress}connect/endsession", page.Url);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync($"{OidcGrid.WebApp}/signed-out");
        Assert.IsFalse(await IsActiveAsync(newAccess), "the app's grid session ended");
        await page.GotoAsync($"{OidcGrid.WebApp}/");
        Assert.StartsWith($"{s_grid.Client.BaseAddress}account/login", page.Url, "signed out of the grid too: the next visit asks for the password");
    }

    /// <summary>A JSON answer of the web app, fetched with the browser's cookies.</summary>
    private static async Task<JsonElement> JsonAtAsync(IPage page, string path)
    {
        var response = await page.Context.APIRequest.GetAsync($"{OidcGrid.WebApp}{path}", new() { MaxRedirects = 0 });
        Assert.AreEqual(200, response.Status, await response.TextAsync());
        return JsonDocument.Parse(await response.TextAsync()).RootElement.Clone();
    }

    private static async Task<bool> IsActiveAsync(string token)
    {
        using var http = new HttpClient();
        var answer = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = new Uri(s_grid.Client.BaseAddress!, "v1/introspect").ToString(),
            ClientId = OidcGrid.IntrospectorId,
            ClientSecret = OidcGrid.IntrospectorSecret,
            Token = token,
        });
        Assert.IsFalse(answer.IsError, answer.Error);
        return answer.IsActive;
    }

    /// <summary>The relying party: cookie sign-in plus Microsoft's OpenID Connect handler, code flow with PKCE.</summary>
    private static WebApplication BuildWebApp(Uri grid)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(OidcGrid.WebApp);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o => o.Cookie.Name = "web-rp")
            .AddOpenIdConnect(o =>
            {
                o.Authority = grid.ToString();
                o.RequireHttpsMetadata = false;
                o.ClientId = OidcGrid.WebAppId;
                o.ClientSecret = OidcGrid.WebAppSecret;
                o.ResponseType = "code";
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.SaveTokens = true;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = "preferred_username";
                o.Scope.Add("profile");
                o.Scope.Add("email");
                o.Scope.Add("offline_access");
                o.SignedOutRedirectUri = "/signed-out";
                o.ClaimActions.MapUniqueJsonKey("email", "email");
            });
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        // Typed returns: a lambda taking only HttpContext would otherwise bind as a RequestDelegate and drop its result.
        app.MapGet("/", async Task<IResult> (HttpContext http) => Results.Json(new
        {
            name = http.User.Identity!.Name,
            sub = http.User.FindFirst("sub")?.Value,
            email = http.User.FindFirst("email")?.Value,
            accessToken = await http.GetTokenAsync("access_token"),
        })).RequireAuthorization();
        app.MapGet("/refresh", async Task<IResult> (HttpContext http) =>
        {
            using var client = new HttpClient();
            var answer = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
            {
                Address = new Uri(grid, "connect/token").ToString(),
                ClientId = OidcGrid.WebAppId,
                ClientSecret = OidcGrid.WebAppSecret,
                RefreshToken = (await http.GetTokenAsync("refresh_token"))!,
            });
            if (answer.IsError)
            {
                return Results.Json(new { ok = false, error = answer.Error });
            }

            var result = await http.AuthenticateAsync();
            var properties = result.Properties!;
            properties.UpdateTokenValue("access_token", answer.AccessToken!);
            properties.UpdateTokenValue("refresh_token", answer.RefreshToken!);
            await http.SignInAsync(result.Principal!, properties);
            return Results.Json(new { ok = true, accessToken = answer.AccessToken });
        }).RequireAuthorization();
        app.MapGet("/logout", () => Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/signed-out" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        app.MapGet("/signed-out", () => "signed out");
        return app;
    }
}
