namespace Identity.Contracts.Sessions;

/// <summary>Who is on the other end of a request; kept with the session for its owner to see.</summary>
[GenerateSerializer, Immutable, Alias("identity.ClientContext")]
public sealed record ClientContext(
    [property: Id(0)] string? UserAgent,
    [property: Id(1)] string? IpAddress)
{
    public static readonly ClientContext Unknown = new(null, null);
}

/// <summary>
/// What a session's tokens are for, as asked at sign-in: the resource server they are meant for
/// (<c>aud</c>) and the scopes (RFC 6749 §3.3, space-separated). Null: not restricted. The API
/// checks both before a session starts (<c>TokenGrants</c>); the session keeps them for its life.
/// <see cref="ClientId"/> is the OAuth client the tokens were issued to, for sessions started
/// through the OpenID Connect endpoints (null for the v1 JSON API's sign-ins).
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.TokenGrant")]
public sealed record TokenGrant(
    [property: Id(0)] string? Audience,
    [property: Id(1)] string? Scope,
    [property: Id(2)] string? ClientId = null)
{
    public static readonly TokenGrant None = new(null, null);

    /// <summary>RFC 6749 §3.3 <c>scope-token = 1*( %x21 / %x23-5B / %x5D-7E )</c>; audiences follow the same rule here.</summary>
    public static bool IsScopeToken(string token) =>
        token.Length > 0 && token.All(c => c is '\x21' or (>= '\x23' and <= '\x5B') or (>= '\x5D' and <= '\x7E'));
}

/// <summary>
/// What a valid access token proves. <see cref="Amr"/>: how the user signed in (RFC 8176 values,
/// space-separated); <see cref="AuthenticatedAt"/>: when they last proved it (sign-in or step-up).
/// A service's session (OAuth client credentials:
/// <see cref="IsService"/>) has no user: its <see cref="UserId"/> is empty and its subject and
/// <see cref="Username"/> are its client id.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.SessionView")]
public sealed record SessionView(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] string Username,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] DateTimeOffset AccessTokenIssuedAt,
    [property: Id(6)] DateTimeOffset AccessTokenExpiresAt,
    [property: Id(7)] string? Audience = null,
    [property: Id(8)] string? Scope = null,
    [property: Id(9)] string? ClientId = null,
    [property: Id(10)] bool IsService = false,
    [property: Id(11)] string? Amr = null,
    [property: Id(12)] DateTimeOffset AuthenticatedAt = default)
{
    /// <summary>Who the token speaks for (<c>sub</c>): the user's id, or a service's client id.</summary>
    public string Subject => IsService ? ClientId! : UserId.ToString();
}

/// <summary>A live session as its owner sees it in the session list.</summary>
[GenerateSerializer, Immutable, Alias("identity.SessionSummary")]
public sealed record SessionSummary(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset LastSeenAt,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] string? UserAgent,
    [property: Id(5)] string? IpAddress,
    [property: Id(6)] string? ClientId = null,
    [property: Id(7)] string? Amr = null);

/// <summary>
/// A freshly issued token pair. This is the only time the secrets exist outside the client,
/// so the type never prints them.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.IssuedTokens")]
public sealed class IssuedTokens(Guid sessionId, string accessToken, string refreshToken, DateTimeOffset issuedAt, DateTimeOffset accessTokenExpiresAt)
{
    [Id(0)] public Guid SessionId { get; } = sessionId;
    [Id(1)] public string AccessToken { get; } = accessToken;
    [Id(2)] public string RefreshToken { get; } = refreshToken;
    [Id(3)] public DateTimeOffset AccessTokenExpiresAt { get; } = accessTokenExpiresAt;
    [Id(4)] public DateTimeOffset IssuedAt { get; } = issuedAt;

    public override string ToString() => $"IssuedTokens {{ SessionId = {SessionId}, secrets redacted }}";
}

/// <summary>Why a session ended; recorded in logs.</summary>
[GenerateSerializer, Alias("identity.SessionEndReason")]
public enum SessionEndReason
{
    Logout = 0,
    RevokedByOwner = 1,
    PasswordChanged = 2,
    RefreshTokenReused = 3,
    EvictedBySessionLimit = 4,
    Expired = 5,
    RevokedByService = 6,
    AccountDisabled = 7,

    /// <summary>An operator ended it (admin API), or made the password change required.</summary>
    RevokedByOperator = 8,

    /// <summary>The account was erased (admin API).</summary>
    AccountErased = 9,

    /// <summary>The OpenID Connect authorization code that started it was presented again (RFC 6749 §4.1.2).</summary>
    AuthorizationCodeReused = 10,
}

/// <summary>Outcome of presenting a refresh token.</summary>
[GenerateSerializer, Immutable, Alias("identity.RefreshResult")]
public abstract record RefreshResult
{
    private RefreshResult()
    {
    }

    /// <summary>A new pair was issued and the presented refresh token no longer works.</summary>
    [GenerateSerializer, Immutable, Alias("identity.RefreshResult.Rotated")]
    public sealed record Rotated([property: Id(0)] IssuedTokens Tokens) : RefreshResult;

    /// <summary>Not a current token of a live session.</summary>
    [GenerateSerializer, Immutable, Alias("identity.RefreshResult.Rejected")]
    public sealed record Rejected : RefreshResult;

    /// <summary>A refresh token that was already rotated: the session has been ended.</summary>
    [GenerateSerializer, Immutable, Alias("identity.RefreshResult.ReuseDetected")]
    public sealed record ReuseDetected : RefreshResult;
}
