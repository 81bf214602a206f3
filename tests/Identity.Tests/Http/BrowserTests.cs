using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>Browsers: CORS for the configured origins only, and the cookie transport with its forgery checks.</summary>
[TestClass]
public sealed class BrowserTests
{
    private const string App = "https://app.example.com";
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;
    private static string s_self = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(new Dictionary<string, string?>
        {
            ["Browsers:AllowedOrigins:0"] = App,
            ["Browsers:PreflightMaxAge"] = "00:20:00",
            ["Browsers:Cookies"] = "true",
        });
        s_client = s_host.CreateApiClient();
        s_self = s_client.BaseAddress!.GetLeftPart(UriPartial.Authority);
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task A_preflight_from_an_allowed_origin_is_answered_and_cached_without_credentials()
    {
        var response = await PreflightAsync("/v1/sessions", App, "POST", "content-type");

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(App, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.AreEqual("1200", response.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.IsFalse(response.Headers.Contains("Access-Control-Allow-Credentials"), "credentials are off");
        StringAssert.Contains(string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), "POST");
    }

    [TestMethod]
    public async Task The_actual_call_from_an_allowed_origin_carries_the_cors_headers_and_another_origin_gets_none()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        var allowed = await GetCurrentFromAsync(App, tokens.AccessToken);
        var foreign = await GetCurrentFromAsync("https://evil.example", tokens.AccessToken);
        var foreignPreflight = await PreflightAsync("/v1/sessions", "https://evil.example", "POST", "content-type");

        Assert.AreEqual(HttpStatusCode.OK, allowed.StatusCode);
        Assert.AreEqual(App, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        StringAssert.Contains(string.Join(",", allowed.Headers.GetValues("Access-Control-Expose-Headers")), "Retry-After");
        Assert.IsFalse(foreign.Headers.Contains("Access-Control-Allow-Origin"), "the browser will not hand the answer to that page");
        Assert.IsFalse(foreignPreflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [TestMethod]
    [DataRow("/v1/introspect")]
    [DataRow("/admin/v1/users")]
    [DataRow("/v1/revocations")]
    public async Task Server_and_operator_endpoints_allow_no_browser_origin(string path)
    {
        var response = await PreflightAsync(path, App, "POST", "authorization");

        Assert.IsFalse(response.Headers.Contains("Access-Control-Allow-Origin"), path);
    }

    [TestMethod]
    public async Task Without_configured_origins_nothing_is_allowed_and_without_cookies_there_is_no_cookie_transport()
    {
        await using var host = new ApiHost();
        using var client = host.CreateApiClient();

        var preflight = await new HttpClient { BaseAddress = client.BaseAddress }.SendAsync(Preflight("/v1/sessions", App, "POST", "content-type"));
        var cookieLogin = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/browser/sessions") { Content = JsonContent.Create(new { username = "x", password = "y" }) });

        Assert.IsFalse(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.AreEqual(HttpStatusCode.NotFound, cookieLogin.StatusCode);
    }

    [TestMethod]
    public async Task A_cookie_sign_in_sets_httponly_secure_cookies_and_never_shows_the_tokens_to_the_page()
    {
        var username = await RegisterAsync();

        var response = await CookieSignInAsync(username, s_self);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.IsFalse(body.TryGetProperty("accessToken", out _));
        Assert.IsFalse(body.TryGetProperty("refreshToken", out _));
        var cookies = SetCookies(response);
        StringAssert.Matches(cookies["__Host-igs-access"].Attributes, new System.Text.RegularExpressions.Regex("(?i)path=/;.*secure.*samesite=lax.*httponly"));
        StringAssert.Matches(cookies["__Secure-igs-refresh"].Attributes, new System.Text.RegularExpressions.Regex("(?i)path=/v1/browser/sessions;.*secure.*samesite=strict.*httponly"));
        Assert.DoesNotContain("httponly", cookies["__Host-igs-csrf"].Attributes.ToLowerInvariant(), "the app reads the CSRF token");
        Assert.AreEqual(body.GetProperty("csrfToken").GetString(), cookies["__Host-igs-csrf"].Value);
    }

    [TestMethod]
    [DataRow(null, DisplayName = "no Origin")]
    [DataRow("https://evil.example", DisplayName = "a foreign Origin")]
    public async Task A_cookie_sign_in_without_an_allowed_origin_is_refused(string? origin)
    {
        var username = await RegisterAsync();

        var response = await CookieSignInAsync(username, origin);

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.IsFalse(response.Headers.Contains("Set-Cookie"));
    }

    [TestMethod]
    public async Task Cookie_requests_that_change_something_need_the_csrf_token_and_an_allowed_origin()
    {
        var (cookies, csrf) = await CookieSessionAsync();
        var change = () => new { currentPassword = GridScenario.Password, newPassword = "another long passphrase for this account" };

        var reading = await SendWithCookiesAsync(HttpMethod.Get, "/v1/sessions/current", cookies, csrf: null, origin: null);
        var noToken = await SendWithCookiesAsync(HttpMethod.Put, "/v1/users/me/password", cookies, csrf: null, origin: s_self, change());
        var wrongToken = await SendWithCookiesAsync(HttpMethod.Put, "/v1/users/me/password", cookies, csrf: "forged", origin: s_self, change());
        var foreign = await SendWithCookiesAsync(HttpMethod.Put, "/v1/users/me/password", cookies, csrf, origin: "https://evil.example", change());
        var proper = await SendWithCookiesAsync(HttpMethod.Put, "/v1/users/me/password", cookies, csrf, origin: s_self, change());

        Assert.AreEqual(HttpStatusCode.OK, reading.StatusCode, "reads need no token");
        Assert.AreEqual(HttpStatusCode.Forbidden, noToken.StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, wrongToken.StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, proper.StatusCode, await proper.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task A_cookie_session_refreshes_and_signs_out_by_cookie_and_its_cookies_are_removed()
    {
        var (cookies, csrf) = await CookieSessionAsync();

        var unforged = await SendWithCookiesAsync(HttpMethod.Post, "/v1/browser/sessions/refresh", cookies, csrf: null, origin: s_self);
        Assert.AreEqual(HttpStatusCode.Forbidden, unforged.StatusCode);

        var refreshed = await SendWithCookiesAsync(HttpMethod.Post, "/v1/browser/sessions/refresh", cookies, csrf, origin: s_self);
        Assert.AreEqual(HttpStatusCode.OK, refreshed.StatusCode, await refreshed.Content.ReadAsStringAsync());
        var renewed = SetCookies(refreshed).ToDictionary(c => c.Key, c => c.Value.Value);
        var newCsrf = renewed["__Host-igs-csrf"];
        Assert.AreNotEqual(cookies["__Host-igs-access"], renewed["__Host-igs-access"]);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await SendWithCookiesAsync(HttpMethod.Get, "/v1/sessions/current", cookies, null, null)).StatusCode, "the rotated access token is dead");

        var signedOut = await SendWithCookiesAsync(HttpMethod.Delete, "/v1/browser/sessions/current", renewed, newCsrf, origin: s_self);
        Assert.AreEqual(HttpStatusCode.NoContent, signedOut.StatusCode);
        Assert.IsTrue(SetCookies(signedOut).Values.All(c => c.Attributes.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)), "every cookie removed");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await SendWithCookiesAsync(HttpMethod.Get, "/v1/sessions/current", renewed, null, null)).StatusCode);

        var deadRefresh = await SendWithCookiesAsync(HttpMethod.Post, "/v1/browser/sessions/refresh", renewed, newCsrf, origin: s_self);
        Assert.AreEqual(HttpStatusCode.Unauthorized, deadRefresh.StatusCode);
    }

    private static async Task<string> RegisterAsync()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        return username;
    }

    private static Task<HttpResponseMessage> CookieSignInAsync(string username, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/browser/sessions") { Content = JsonContent.Create(new { username, password = GridScenario.Password }) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return s_client.SendAsync(request);
    }

    private static async Task<(Dictionary<string, string> Cookies, string Csrf)> CookieSessionAsync()
    {
        var response = await CookieSignInAsync(await RegisterAsync(), s_self);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        var cookies = SetCookies(response).ToDictionary(c => c.Key, c => c.Value.Value);
        return (cookies, cookies["__Host-igs-csrf"]);
    }

    private static Task<HttpResponseMessage> SendWithCookiesAsync(HttpMethod method, string path, Dictionary<string, string> cookies, string? csrf, string? origin, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return s_client.SendAsync(request);
    }

    private static Dictionary<string, (string Value, string Attributes)> SetCookies(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Select(header =>
        {
            var nameValue = header.Split(';', 2);
            var parts = nameValue[0].Split('=', 2);
            return (Name: parts[0], Value: parts[1], Attributes: nameValue.Length > 1 ? nameValue[1].Trim() : string.Empty);
        }).ToDictionary(c => c.Name, c => (c.Value, c.Attributes));

    private static Task<HttpResponseMessage> GetCurrentFromAsync(string origin, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions/current");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Add("Origin", origin);
        return s_client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> PreflightAsync(string path, string origin, string method, string headers) =>
        s_client.SendAsync(Preflight(path, origin, method, headers));

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }
}
