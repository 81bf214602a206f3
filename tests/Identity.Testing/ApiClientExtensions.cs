using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Identity.Testing;

/// <summary>The tokens a login returned.</summary>
internal sealed record ApiTokens(Guid SessionId, string AccessToken, string RefreshToken, string TokenType, long ExpiresIn, string? DeviceToken = null);

/// <summary>Calls the v1 API the way a client would.</summary>
internal static class ApiClientExtensions
{
    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string username, string password = GridScenario.Password, string? email = null) =>
        email is null
            ? client.PostAsJsonAsync("/v1/users", new { username, password })
            : client.PostAsJsonAsync("/v1/users", new { username, password, email });

    public static Task<HttpResponseMessage> LoginAsync(this HttpClient client, string username, string password = GridScenario.Password, string? deviceToken = null) =>
        deviceToken is null
            ? client.PostAsJsonAsync("/v1/sessions", new { username, password })
            : client.PostAsJsonAsync("/v1/sessions", new { username, password, deviceToken });

    /// <summary>Registers a fresh user and signs in; returns the name and the tokens.</summary>
    public static async Task<(string Username, ApiTokens Tokens)> SignUpAndLoginAsync(this HttpClient client)
    {
        var username = GridScenario.UniqueName();
        (await client.RegisterAsync(username)).EnsureSuccessStatusCode();
        return (username, await client.LoginTokensAsync(username));
    }

    /// <summary>Signs <paramref name="username"/> in asking for an <paramref name="audience"/> and <paramref name="scope"/> (either may be null); fails the test unless 201.</summary>
    public static async Task<ApiTokens> LoginForAsync(this HttpClient client, string username, string? audience, string? scope)
    {
        var response = await client.PostAsJsonAsync("/v1/sessions", new { username, password = GridScenario.Password, audience, scope });
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiTokens>())!;
    }

    /// <summary>Registers a fresh user and signs in as <see cref="LoginForAsync"/> does.</summary>
    public static async Task<ApiTokens> SignUpAndLoginForAsync(this HttpClient client, string? audience, string? scope)
    {
        var username = GridScenario.UniqueName();
        (await client.RegisterAsync(username)).EnsureSuccessStatusCode();
        return await client.LoginForAsync(username, audience, scope);
    }

    public static async Task<ApiTokens> LoginTokensAsync(this HttpClient client, string username, string password = GridScenario.Password)
    {
        var response = await client.LoginAsync(username, password);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiTokens>())!;
    }

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, string? accessToken, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetCurrentAsync(this HttpClient client, string? accessToken) =>
        client.SendAsync(HttpMethod.Get, "/v1/sessions/current", accessToken);

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync("/v1/sessions/refresh", new { refreshToken });

    /// <summary>POST /v1/introspect with <paramref name="content"/>, authenticated as <c>id:secret</c> when <paramref name="credentials"/> is given.</summary>
    public static Task<HttpResponseMessage> IntrospectAsync(this HttpClient client, HttpContent content, string? credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect") { Content = content };
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(credentials)));
        }

        return client.SendAsync(request);
    }

    /// <summary>Reads a problem+json body, checking the media type.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>A problem body without its per-request trace id, for comparing two answers.</summary>
    public static async Task<string> ProblemWithoutTraceAsync(this HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync();
        return string.Join(';', problem.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>The field names in a validation problem's <c>errors</c>.</summary>
    public static async Task<IReadOnlyList<string>> ErrorFieldsAsync(this HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync();
        return problem.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateObject().Select(e => e.Name)] : [];
    }
}
