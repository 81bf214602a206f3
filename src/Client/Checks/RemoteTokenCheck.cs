using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Identity.Contracts.Sessions;

namespace Identity.Client.Checks;

/// <summary>
/// Remote mode: RFC 7662 introspection at the grid (HTTP Basic as the configured client, pooled
/// connections), active answers kept in a <see cref="CheckCache"/> for
/// <see cref="IdentityGridOptions.CacheDuration"/> while push revocation is live
/// (<see cref="RevocationStream"/>), else for <see cref="IdentityGridOptions.CacheDurationWithoutPush"/>;
/// never past the token's own expiry.
/// </summary>
internal sealed class RemoteTokenCheck : ITokenCheck
{
    private readonly IdentityGridOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly Uri _introspection;
    private readonly AuthenticationHeaderValue _credentials;
    private volatile bool _pushLive;

    public RemoteTokenCheck(IdentityGridOptions options, HttpClient http, TimeProvider time)
    {
        _options = options;
        _http = http;
        _time = time;
        _introspection = new Uri(options.Authority!, "v1/introspect");
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        _credentials = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{WebUtility.UrlEncode(options.ClientId)}:{WebUtility.UrlEncode(options.ClientSecret)}")));
        Cache = new CheckCache(options.CacheSizeLimit, 2 * options.IntrospectionTimeout, time);
    }

    public CheckCache Cache { get; }

    public IdentityGridOptions Options => _options;

    public AuthenticationHeaderValue Credentials => _credentials;

    /// <summary>The pooled client this scheme's calls go through (the revocation stream too).</summary>
    public HttpClient HttpClient => _http;

    /// <summary>Whether the revocation stream is live; when it stops, everything cached under its longer lifetime is dropped.</summary>
    public bool PushLive
    {
        get => _pushLive;
        set
        {
            _pushLive = value;
            if (!value)
            {
                Cache.Clear();
            }
        }
    }

    public async ValueTask<GridSession?> CheckAsync(SessionToken token, string text, CancellationToken cancellationToken)
    {
        if (Cache.TryGet(token) is { } cached)
        {
            return cached;
        }

        var mark = Cache.Mark();
        var session = await IntrospectAsync(text, cancellationToken);
        if (session is not null)
        {
            var lifetime = _pushLive ? _options.CacheDuration : _options.CacheDurationWithoutPush;
            var until = _time.GetUtcNow() + lifetime;
            Cache.TryAdd(token, session, until < session.ExpiresAt ? until : session.ExpiresAt, mark);
        }

        return session;
    }

    private async Task<GridSession?> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _introspection)
        {
            Content = new FormUrlEncodedContent([new("token", token), new("token_type_hint", "access_token")]),
        };
        request.Headers.Authorization = _credentials;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.IntrospectionTimeout);
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
            Guid.Parse(answer.GetProperty("sub").GetString()!),
            answer.GetProperty("username").GetString()!,
            DateTimeOffset.FromUnixTimeSeconds(answer.GetProperty("exp").GetInt64()),
            answer.TryGetProperty("aud", out var audience) ? audience.GetString() : null,
            answer.TryGetProperty("scope", out var scope) ? scope.GetString() : null);
    }
}
