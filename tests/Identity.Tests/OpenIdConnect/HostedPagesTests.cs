using System.Net;
using Identity.Testing;
using Microsoft.AspNetCore.WebUtilities;
using static Identity.Testing.OidcClients;

namespace Identity.Tests.OpenIdConnect;

/// <summary>The hosted pages: sign-in, consent, prompts, RP-initiated sign-out, and the headers and forgery checks every page has.</summary>
[TestClass]
public sealed class HostedPagesTests
{
    private static ApiHost s_host = null!;
    private static HttpClient s_server = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(Settings());
        s_server = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    private static string PartnerUrl(string scope = "openid profile", string? extra = null) =>
        OidcFlow.AuthorizeUrl(PartnerAppId, PartnerRedirect, scope, Pkce().Challenge, extra: extra);

    [TestMethod]
    public async Task Every_page_has_a_strict_policy_no_caching_no_framing_and_an_antiforgery_token()
    {
        var browser = new FormBrowser(s_server);
        var page = await browser.GetAsync("/account/login?returnUrl=%2Faccount");

        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        StringAssert.Contains(csp, "default-src 'none'");
        StringAssert.Contains(csp, "frame-ancestors 'none'");
        StringAssert.Contains(csp, "form-action 'self' https://app.example.test");
        StringAssert.Contains(csp, "script-src 'self'; connect-src 'self';", "the login page's only script is this origin's passkey file");
        Assert.AreEqual("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        StringAssert.Contains(page.Headers.CacheControl!.ToString(), "no-store");
        var html = await page.Content.ReadAsStringAsync();
        StringAssert.Contains(html, "name=\"__RequestVerificationToken\"");
        StringAssert.Contains(html, "<label for=\"password\">");
        Assert.AreEqual("<script src=\"/account/passkey.js\" defer></script>", System.Text.RegularExpressions.Regex.Match(html, "<script[^>]*></script>").Value);
        Assert.HasCount(1, System.Text.RegularExpressions.Regex.Matches(html, "<script"), "one script, from a file: nothing inline");
        var consentless = await browser.GetAsync("/account/forgot-password");
        Assert.DoesNotContain("script-src", consentless.Headers.GetValues("Content-Security-Policy").Single(), "pages without passkeys allow no script at all");
    }

    [TestMethod]
    public async Task A_login_post_without_its_antiforgery_token_is_refused_and_signs_nobody_in()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);
        await browser.GetAsync("/account/login");

        var forged = await browser.PostFormAsync("/account/login", [new("username", username), new("password", GridScenario.Password), new("returnUrl", "/account")]);

        Assert.AreEqual(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.IsFalse(browser.Cookies.ContainsKey("__Host-igp"));
    }

    [TestMethod]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_answer()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var wrong = await browser.SubmitAsync(await browser.GetAsync("/account/login"), ("username", username), ("password", "not the password at all"));
        var unknown = await browser.SubmitAsync(await browser.GetAsync("/account/login"), ("username", GridScenario.UniqueName()), ("password", "not the password at all"));

        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, unknown.StatusCode);
        string Message(string html) => System.Text.RegularExpressions.Regex.Match(html, "role=\"alert\"[^>]*>(?<m>[^<]*)<").Groups["m"].Value;
        Assert.AreEqual(Message(await wrong.Content.ReadAsStringAsync()), Message(await unknown.Content.ReadAsStringAsync()));
        Assert.IsFalse(browser.Cookies.ContainsKey("__Host-igp"));
    }

    [TestMethod]
    public async Task The_sign_in_cookie_is_host_only_httponly_and_secure_and_a_return_url_must_be_local()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);
        var page = await browser.GetAsync("/account/login?returnUrl=https%3A%2F%2Fevil.example%2F");
        var response = await browser.SubmitAsync(page, ("username", username), ("password", GridScenario.Password));

        Assert.AreEqual(HttpStatusCode.Redirect, response.StatusCode);
        Assert.AreEqual("/account", response.Headers.Location!.OriginalString, "never off-site");
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-igp=", StringComparison.Ordinal));
        StringAssert.Matches(cookie, new System.Text.RegularExpressions.Regex("(?i)path=/;.*secure.*samesite=lax.*httponly"));
        Assert.DoesNotContain("domain=", cookie.ToLowerInvariant());
    }

    [TestMethod]
    public async Task A_third_party_app_asks_for_consent_once_and_a_denial_goes_back_as_access_denied()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var consent = await OidcFlow.AuthorizeAsync(browser, PartnerUrl(), username);
        Assert.AreEqual(HttpStatusCode.OK, consent.StatusCode);
        var html = await consent.Content.ReadAsStringAsync();
        StringAssert.Contains(html, "Partner Photos");
        StringAssert.Contains(html, "See your username");
        var denied = await browser.SubmitAsync(consent, ("decision", "deny"));
        Assert.AreEqual("access_denied", await OidcFlow.ErrorOf(browser, denied));

        var again = await browser.FollowAsync(await browser.GetAsync(PartnerUrl()));
        var allowed = await browser.SubmitAsync(again, ("decision", "allow"));
        OidcFlow.CodeOf(browser, allowed);

        var remembered = await browser.FollowAsync(await browser.GetAsync(PartnerUrl()));
        OidcFlow.CodeOf(browser, remembered);
        var more = await browser.FollowAsync(await browser.GetAsync(PartnerUrl(scope: "openid profile", extra: "prompt=consent")));
        Assert.AreEqual(HttpStatusCode.OK, more.StatusCode, "prompt=consent asks again");
    }

    [TestMethod]
    public async Task A_first_party_app_skips_consent()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var response = await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid profile", Pkce().Challenge), username);

        OidcFlow.CodeOf(browser, response);
    }

    [TestMethod]
    public async Task Prompt_none_answers_login_required_or_consent_required_without_showing_a_page()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var anonymous = await browser.GetAsync(PartnerUrl(extra: "prompt=none"));
        Assert.AreEqual("login_required", await OidcFlow.ErrorOf(browser, anonymous));

        await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", Pkce().Challenge), username);
        var noConsent = await browser.GetAsync(PartnerUrl(extra: "prompt=none"));
        Assert.AreEqual("consent_required", await OidcFlow.ErrorOf(browser, noConsent));

        var silent = await browser.GetAsync(OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", Pkce().Challenge, extra: "prompt=none"));
        OidcFlow.CodeOf(browser, silent);
    }

    [TestMethod]
    public async Task Prompt_login_asks_for_the_password_again_even_when_signed_in()
    {
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);
        await OidcFlow.AuthorizeAsync(browser, OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", Pkce().Challenge), username);

        var response = await browser.FollowAsync(await browser.GetAsync(OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", Pkce().Challenge, extra: "prompt=login")));

        Assert.AreEqual("/account/login", response.RequestMessage!.RequestUri!.AbsolutePath);
        var code = await browser.FollowAsync(await browser.SubmitAsync(response, ("username", username), ("password", GridScenario.Password)));
        OidcFlow.CodeOf(browser, code);
    }

    [TestMethod]
    public async Task An_invalid_request_with_no_safe_place_to_return_shows_a_page_not_a_redirect()
    {
        var browser = new FormBrowser(s_server);

        var unknownClient = await browser.GetAsync(OidcFlow.AuthorizeUrl("nobody", WebRedirect, "openid", Pkce().Challenge));

        Assert.AreEqual(HttpStatusCode.BadRequest, unknownClient.StatusCode);
        Assert.AreEqual("text/html", unknownClient.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual("invalid_request", await OidcFlow.ErrorOf(browser, unknownClient));
    }

    [TestMethod]
    public async Task Rp_initiated_logout_confirms_then_ends_the_apps_session_and_the_browsers_and_returns_to_the_app()
    {
        var (browser, _, tokens) = await OidcFlow.SignInAsync(s_server, WebAppId, WebRedirect, WebSecret);

        var confirm = await browser.GetAsync(QueryHelpers.AddQueryString("/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.IdToken,
            ["post_logout_redirect_uri"] = WebPostLogout,
            ["state"] = "bye",
        }));
        Assert.AreEqual(HttpStatusCode.OK, confirm.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode, "a GET alone signs nobody out");

        var done = await browser.SubmitAsync(confirm, ("decision", "sign-out"));

        Assert.AreEqual(HttpStatusCode.Redirect, done.StatusCode);
        Assert.AreEqual($"{WebPostLogout}?state=bye", browser.Location(done).ToString());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!)).StatusCode, "the app's session ended");
        var next = await browser.FollowAsync(await browser.GetAsync(OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", Pkce().Challenge)));
        Assert.AreEqual("/account/login", next.RequestMessage!.RequestUri!.AbsolutePath, "the browser's session ended");
    }

    [TestMethod]
    public async Task Ending_the_browsers_grid_session_signs_the_pages_out()
    {
        var (browser, _, tokens) = await OidcFlow.SignInAsync(s_server, WebAppId, WebRedirect, WebSecret);

        // "Sign out everywhere else" from the app: the browser's sign-in is one of the other sessions.
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_server.SendAsync(HttpMethod.Delete, "/v1/users/me/sessions", tokens.AccessToken)).StatusCode);

        var next = await browser.FollowAsync(await browser.GetAsync(OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid", Pkce().Challenge)));
        Assert.AreEqual("/account/login", next.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [TestMethod]
    public async Task The_account_page_lists_the_devices_and_signs_out_one_or_every_other()
    {
        var (browser, username, app) = await OidcFlow.SignInAsync(s_server, WebAppId, WebRedirect, WebSecret);
        var phone = await s_server.LoginTokensAsync(username);

        var page = await browser.GetAsync("/account");
        var html = await page.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        StringAssert.Contains(html, "Example web app");
        StringAssert.Contains(html, "This device");
        Assert.AreEqual(3, System.Text.RegularExpressions.Regex.Count(html, "name=\"session_id\""));

        // Sign out the web app's session (the row naming it).
        var appRow = System.Text.RegularExpressions.Regex.Match(html, "Example web app[\\s\\S]*?name=\"session_id\" value=\"(?<id>[^\"]+)\"").Groups["id"].Value;
        var token = FormBrowser.ReadForm(html).Fields.First(f => f.Key == "__RequestVerificationToken").Value;
        var ended = await browser.PostFormAsync("/account/sessions/end", [new("__RequestVerificationToken", token), new("session_id", appRow)]);
        Assert.AreEqual(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await OidcFlow.UserInfoAsync(s_server, app.AccessToken!)).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_server.GetCurrentAsync(phone.AccessToken)).StatusCode);

        var others = await browser.PostFormAsync("/account/sessions/end-others", [new("__RequestVerificationToken", token)]);
        Assert.AreEqual(HttpStatusCode.Redirect, others.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_server.GetCurrentAsync(phone.AccessToken)).StatusCode, "every other session ended");
        Assert.AreEqual(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode, "this one stays");
    }

    [TestMethod]
    public async Task The_account_page_needs_a_sign_in_and_its_forms_need_their_token()
    {
        var browser = new FormBrowser(s_server);

        var anonymous = await browser.GetAsync("/account");
        var forged = await browser.PostFormAsync("/account/sessions/end-others", []);

        Assert.AreEqual(HttpStatusCode.Redirect, anonymous.StatusCode);
        StringAssert.StartsWith(anonymous.Headers.Location!.OriginalString, "/account/login");
        Assert.AreEqual(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [TestMethod]
    [DataRow("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android")]
    [DataRow("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iPhone")]
    [DataRow("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows")]
    [DataRow(null, "Unknown device")]
    public void A_device_is_named_by_its_browser_and_system(string? userAgent, string expected) =>
        Assert.AreEqual(expected, Identity.Api.Pages.DeviceNames.Describe(userAgent));

    [TestMethod]
    public async Task A_new_user_creates_an_account_from_the_login_page_and_the_app_gets_its_code()
    {
        var browser = new FormBrowser(s_server);
        var (_, challenge) = Pkce();
        var login = await browser.FollowAsync(await browser.GetAsync(OidcFlow.AuthorizeUrl(WebAppId, WebRedirect, "openid profile", challenge)));
        var link = System.Text.RegularExpressions.Regex.Match(await login.Content.ReadAsStringAsync(), "href=\"(?<href>/account/register[^\"]*)\"").Groups["href"].Value;
        Assert.IsFalse(string.IsNullOrEmpty(link), "the login page offers registration");

        var form = await browser.GetAsync(System.Net.WebUtility.HtmlDecode(link));
        var created = await browser.SubmitAsync(form, ("username", GridScenario.UniqueName()), ("email", ""), ("password", GridScenario.Password));

        Assert.AreEqual(HttpStatusCode.Redirect, created.StatusCode, await created.Content.ReadAsStringAsync());
        OidcFlow.CodeOf(browser, await browser.FollowAsync(created));
        Assert.AreEqual(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode, "signed in");
    }

    [TestMethod]
    public async Task Registration_says_what_is_wrong_next_to_each_field_as_the_api_would()
    {
        var taken = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var duplicate = await browser.SubmitAsync(await browser.GetAsync("/account/register"), ("username", taken), ("email", ""), ("password", GridScenario.Password));
        var weak = await browser.SubmitAsync(await browser.GetAsync("/account/register"), ("username", GridScenario.UniqueName()), ("email", ""), ("password", "password"));
        var forged = await browser.PostFormAsync("/account/register", [new("username", GridScenario.UniqueName()), new("password", GridScenario.Password)]);

        Assert.AreEqual(HttpStatusCode.Conflict, duplicate.StatusCode);
        StringAssert.Contains(await duplicate.Content.ReadAsStringAsync(), "id=\"username-error\"");
        StringAssert.Contains(await duplicate.Content.ReadAsStringAsync(), "aria-invalid=\"true\"");
        Assert.AreEqual(HttpStatusCode.BadRequest, weak.StatusCode);
        StringAssert.Contains(await weak.Content.ReadAsStringAsync(), "id=\"password-error\"");
        Assert.AreEqual(HttpStatusCode.BadRequest, forged.StatusCode, "no antiforgery token, no account");
        Assert.IsFalse(browser.Cookies.ContainsKey("__Host-igp"));
    }

    [TestMethod]
    [DataRow("/account/login")]
    [DataRow("/account/register")]
    [DataRow("/account/sessions/end")]
    [DataRow("/account/sessions/end-others")]
    [DataRow("/connect/verify")]
    [DataRow("/connect/endsession")]
    public async Task A_form_page_posted_json_or_nothing_answers_400_never_a_500(string path)
    {
        var browser = new FormBrowser(s_server);

        var json = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{\"username\":\"x\"}", System.Text.Encoding.UTF8, "application/json") });
        var empty = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, path));

        Assert.AreEqual(HttpStatusCode.BadRequest, json.StatusCode, await json.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.BadRequest, empty.StatusCode, await empty.Content.ReadAsStringAsync());
    }
}

/// <summary>Several Api nodes share one data-protection key ring (<c>OpenIdConnect:DataProtectionKeysDirectory</c>) so any node reads the pages' cookies another wrote.</summary>
[TestClass]
public sealed class PageKeyRingTests
{
    [TestMethod]
    public async Task The_pages_keys_are_kept_in_the_configured_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"identity-keys-{Guid.NewGuid():N}");
        await using var host = new ApiHost(new Dictionary<string, string?> { ["OpenIdConnect:DataProtectionKeysDirectory"] = folder });
        try
        {
            var page = await new FormBrowser(host.CreateApiClient()).GetAsync("/account/login");

            Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
            Assert.IsNotEmpty(Directory.GetFiles(folder, "key-*.xml"), "the antiforgery token was protected with a key kept there");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

