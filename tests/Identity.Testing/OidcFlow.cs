using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Identity.Testing;

/// <summary>The token endpoint's answer.</summary>
internal sealed record TokenAnswer(string? AccessToken, string? RefreshToken, string? IdToken, string? TokenType, long? ExpiresIn, string? Scope, string? Error, HttpStatusCode Status);

/// <summary>A client's side of the code flow against the test host, driving the hosted pages with a <see cref="FormBrowser"/>.</summary>
internal static class OidcFlow
{
    public static string AuthorizeUrl(string clientId, string redirectUri, string scope, string? challenge, string state = "state-1", string? extra = null, string method = "S256")
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = state,
            ["nonce"] = "nonce-1",
        };
        if (challenge is not null)
        {
            query["code_challenge"] = challenge;
            query["code_challenge_method"] = method;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query) + (extra is null ? string.Empty : "&" + extra);
    }

    /// <summary>Starts an authorization, signs in on the login page if asked, and returns where the browser was finally sent (the client's redirect URI, or the page it stopped on).</summary>
    public static async Task<HttpResponseMessage> AuthorizeAsync(FormBrowser browser, string url, string username, string password = GridScenario.Password)
    {
        var response = await browser.FollowAsync(await browser.GetAsync(url));
        if (response.StatusCode == HttpStatusCode.OK && response.RequestMessage!.RequestUri!.AbsolutePath == "/account/login")
        {
            var submitted = await browser.SubmitAsync(response, ("username", username), ("password", password));
            response = await browser.FollowAsync(submitted);
        }

        return response;
    }

    /// <summary>The <c>code</c> of a redirect to the client (fails the test when it is something else).</summary>
    public static string CodeOf(FormBrowser browser, HttpResponseMessage response)
    {
        Assert.IsTrue(FormBrowser.IsRedirect(response), $"Expected a redirect to the client, got {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        var query = QueryHelpers.ParseQuery(browser.Location(response).Query);
        Assert.IsTrue(query.ContainsKey("code"), $"No code in {browser.Location(response)}");
        return query["code"]!;
    }

    /// <summary>The OAuth error a refused authorization ended in: on the redirect to the client, or on the page shown instead.</summary>
    public static async Task<string?> ErrorOf(FormBrowser browser, HttpResponseMessage response)
    {
        if (FormBrowser.IsRedirect(response))
        {
            return QueryHelpers.ParseQuery(browser.Location(response).Query).TryGetValue("error", out var error) ? error.ToString() : null;
        }

        var match = System.Text.RegularExpressions.Regex.Match(await response.Content.ReadAsStringAsync(), @"\((?<error>[a-z_]+):");
        return match.Success ? match.Groups["error"].Value : null;
    }

    public static async Task<TokenAnswer> TokenAsync(HttpClient server, IEnumerable<KeyValuePair<string, string>> form, (string Id, string Secret)? basic = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(credentials.Id)}:{Uri.EscapeDataString(credentials.Secret)}")));
        }

        var response = await server.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        string? Read(string name) => json.TryGetProperty(name, out var value) ? value.ToString() : null;
        return new TokenAnswer(
            Read("access_token"), Read("refresh_token"), Read("id_token"), Read("token_type"),
            json.TryGetProperty("expires_in", out var expires) ? expires.GetInt64() : null,
            Read("scope"), Read("error"), response.StatusCode);
    }

    public static Task<TokenAnswer> ExchangeAsync(HttpClient server, string code, string verifier, string clientId, string redirectUri, string? secret) =>
        TokenAsync(
            server,
            [new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", redirectUri), new("code_verifier", verifier), .. secret is null ? new[] { new KeyValuePair<string, string>("client_id", clientId) } : []],
            secret is null ? null : (clientId, secret));

    public static Task<TokenAnswer> RefreshAsync(HttpClient server, string refreshToken, string clientId, string? secret) =>
        TokenAsync(
            server,
            [new("grant_type", "refresh_token"), new("refresh_token", refreshToken), .. secret is null ? new[] { new KeyValuePair<string, string>("client_id", clientId) } : []],
            secret is null ? null : (clientId, secret));

    public static async Task<HttpResponseMessage> UserInfoAsync(HttpClient server, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await server.SendAsync(request);
    }

    /// <summary>
    /// The whole code flow for <paramref name="username"/> (a fresh account when null): authorize
    /// with PKCE, sign in on the hosted page, exchange the code. Fails the test unless tokens come back.
    /// </summary>
    public static async Task<(FormBrowser Browser, string Username, TokenAnswer Tokens)> SignInAsync(
        HttpClient server, string clientId, string redirectUri, string? secret, string scope = "openid", string? username = null, FormBrowser? browser = null)
    {
        username ??= await NewUserAsync(server);
        browser ??= new FormBrowser(server);
        var (verifier, challenge) = OidcClients.Pkce();
        var code = CodeOf(browser, await AuthorizeAsync(browser, AuthorizeUrl(clientId, redirectUri, scope, challenge), username));
        var tokens = await ExchangeAsync(server, code, verifier, clientId, redirectUri, secret);
        Assert.AreEqual(HttpStatusCode.OK, tokens.Status, tokens.Error);
        return (browser, username, tokens);
    }

    /// <summary>A fresh account, as the v1 API registers it.</summary>
    public static async Task<string> NewUserAsync(HttpClient server, string? email = null)
    {
        var username = GridScenario.UniqueName();
        var response = await server.RegisterAsync(username, email: email);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return username;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>());
}
