using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Identity.Contracts.Sessions;

namespace Identity.Client.Checks;

/// <summary>
/// Remote mode: RFC 7662 introspection at the grid (HTTP Basic as the configured client, pooled
/// connections); answers cached as <see cref="CachedTokenCheck"/> says, push revocation by
/// <see cref="RevocationStream"/>.
/// </summary>
internal sealed class RemoteTokenCheck : CachedTokenCheck
{
    private readonly HttpClient _http;
    private readonly Uri _introspection;
    private readonly AuthenticationHeaderValue _credentials;

    public RemoteTokenCheck(IdentityGridOptions options, HttpClient http, TimeProvider time)
        : base(options, time)
    {
        _http = http;
        _introspection = new Uri(options.Authority!, "v1/introspect");
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        _credentials = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{WebUtility.UrlEncode(options.ClientId)}:{WebUtility.UrlEncode(options.ClientSecret)}")));
    }

    public AuthenticationHeaderValue Credentials => _credentials;

    /// <summary>The pooled client this scheme's calls go through (the revocation stream too).</summary>
    public HttpClient HttpClient => _http;

    protected override async ValueTask<GridSession?> AskAsync(SessionToken token, string text, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _introspection)
        {
            Content = new FormUrlEncodedContent([new("token", text), new("token_type_hint", "access_token")]),
        };
        request.Headers.Authorization = _credentials;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.IntrospectionTimeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                // 401 here means this service's own credentials are wrong: an operator's problem, not the user's.
                throw new GridUnavailableException($"The grid answered introspection with {(int)response.StatusCode}.");
            }

            using var answer = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), default, timeout.Token);
            return Read(answer.RootElement);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new GridUnavailableException("The grid's introspection endpoint could not be asked.", ex);
        }
    }

    private static GridSession? Read(JsonElement answer)
    {
        if (!answer.GetProperty("active").GetBoolean())
        {
            return null;
        }

        return new GridSession(
            Guid.Parse(answer.GetProperty("sid").GetString()!),
            answer.GetProperty("sub").GetString()!,
            answer.GetProperty("username").GetString()!,
            DateTimeOffset.FromUnixTimeSeconds(answer.GetProperty("exp").GetInt64()),
            answer.TryGetProperty("aud", out var audience) ? audience.GetString() : null,
            answer.TryGetProperty("scope", out var scope) ? scope.GetString() : null,
            answer.TryGetProperty("client_id", out var client) ? client.GetString() : null);
    }
}
