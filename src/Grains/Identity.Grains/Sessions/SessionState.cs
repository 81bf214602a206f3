using System.Text.Json.Serialization;
using Identity.Contracts.Sessions;

namespace Identity.Grains.Sessions;

/// <summary>
/// Persisted state of one session. Only digests of the token secrets are kept. Lifetimes are not
/// stored: expiry is derived from <see cref="SessionOptions"/>, so changing a lifetime applies to
/// existing sessions too. An ended session has no state at all (its row is deleted).
/// </summary>
[GenerateSerializer, Alias("identity.SessionState")]
public sealed class SessionState
{
    [Id(0), JsonPropertyName("userId")] public Guid UserId { get; set; }

    /// <summary>Copied from the user at login (usernames never change) so validation needs no second grain.</summary>
    [Id(1), JsonPropertyName("username")] public string Username { get; set; } = string.Empty;

    [Id(2), JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Last validation or refresh. Written lazily; see <see cref="SessionOptions.LastSeenWriteInterval"/>.</summary>
    [Id(3), JsonPropertyName("lastSeenAt")] public DateTimeOffset LastSeenAt { get; set; }

    [Id(4), JsonPropertyName("accessDigest")] public TokenDigest AccessDigest { get; set; }

    [Id(5), JsonPropertyName("accessIssuedAt")] public DateTimeOffset AccessIssuedAt { get; set; }

    [Id(6), JsonPropertyName("refreshDigest")] public TokenDigest RefreshDigest { get; set; }

    /// <summary>
    /// Which token pair is current: 1 after login, one more per refresh. Tokens carry theirs, so a
    /// refresh token of any earlier generation is recognised as reused, however old. (Id 7 held the
    /// last five rotated refresh digests before tokens carried a generation; it is not reused.)
    /// </summary>
    [Id(11), JsonPropertyName("refreshGeneration")] public uint RefreshGeneration { get; set; }

    [Id(8), JsonPropertyName("userAgent")] public string? UserAgent { get; set; }

    [Id(9), JsonPropertyName("ipAddress")] public string? IpAddress { get; set; }

    /// <summary>The resource server the session's tokens are meant for, if one was asked for at sign-in (<see cref="TokenGrant"/>).</summary>
    [Id(12), JsonPropertyName("audience")] public string? Audience { get; set; }

    /// <summary>The scopes asked for at sign-in, space-separated, if any.</summary>
    [Id(13), JsonPropertyName("scope")] public string? Scope { get; set; }

    /// <summary>The OAuth client the session's tokens were issued to (OpenID Connect sign-ins), if any.</summary>
    [Id(14), JsonPropertyName("clientId")] public string? ClientId { get; set; }

    /// <summary>A service's session (client credentials): owned by its client, not a user (<see cref="SessionStart.IsService"/>).</summary>
    [Id(15), JsonPropertyName("service")] public bool IsService { get; set; }

    /// <summary>How the user signed in (RFC 8176 <c>amr</c> values, space-separated); null for services and sessions from before it was kept.</summary>
    [Id(16), JsonPropertyName("amr")] public string? Amr { get; set; }

    /// <summary>When the user last proved who they are in this session: the sign-in, or a later step-up. Null: the sign-in (<see cref="CreatedAt"/>).</summary>
    [Id(17), JsonPropertyName("authenticatedAt")] public DateTimeOffset? AuthenticatedAt { get; set; }

    /// <summary>
    /// Unix seconds at which the session, as stored, expires: set on every write from the stored
    /// last-seen. The schema lifts it into an indexed column so the purge of expired sessions
    /// finds them without reading payloads. A hint only: the grain decides.
    /// </summary>
    [Id(10), JsonPropertyName("purgeAfter")]
    public long PurgeAfter { get; set; }

    [JsonIgnore]
    public bool IsStarted => CreatedAt != default;

    public bool IsLive(DateTimeOffset now, SessionOptions options) =>
        IsStarted && now < options.ExpiryOf(CreatedAt, LastSeenAt);

    public void Start(SessionStart start, DateTimeOffset now)
    {
        UserId = start.UserId;
        Username = SharedStrings.Share(start.Username)!;
        CreatedAt = now;
        LastSeenAt = now;
        Audience = SharedStrings.Share(start.Grant?.Audience);
        Scope = SharedStrings.Share(start.Grant?.Scope);
        ClientId = SharedStrings.Share(start.Grant?.ClientId);
        IsService = start.IsService;
        Amr = SharedStrings.Share(start.Amr);
        Seen(start.Client);
    }

    /// <summary>Records where the session was last used from; control characters are dropped (they have no place in a header, and JSON storage refuses NUL).</summary>
    public void Seen(ClientContext client)
    {
        UserAgent = SharedStrings.Share(Printable(client.UserAgent)) ?? UserAgent;
        IpAddress = SharedStrings.Share(Printable(client.IpAddress)) ?? IpAddress;
    }

    /// <summary>After loading from storage: the silo-wide copies of repeated strings, not fresh ones per session.</summary>
    public void ShareStrings()
    {
        Username = SharedStrings.Share(Username)!;
        UserAgent = SharedStrings.Share(UserAgent);
        IpAddress = SharedStrings.Share(IpAddress);
        Audience = SharedStrings.Share(Audience);
        Scope = SharedStrings.Share(Scope);
        ClientId = SharedStrings.Share(ClientId);
        Amr = SharedStrings.Share(Amr);
    }

    private static string? Printable(string? text)
    {
        if (text is null || !text.Any(char.IsControl))
        {
            return text is { Length: > 0 } ? text : null;
        }

        return string.Concat(text.Where(c => !char.IsControl(c))) is { Length: > 0 } clean ? clean : null;
    }

    /// <summary>Installs the token pair of the next generation.</summary>
    public void InstallTokens(TokenDigest access, TokenDigest refresh, uint generation, DateTimeOffset now)
    {
        if (generation != RefreshGeneration + 1)
        {
            throw new InvalidOperationException($"Token generation {generation} does not follow {RefreshGeneration}.");
        }

        AccessDigest = access;
        AccessIssuedAt = now;
        RefreshDigest = refresh;
        RefreshGeneration = generation;
        LastSeenAt = now;
    }

    /// <summary>The token pair the next rotation issues.</summary>
    [JsonIgnore]
    public uint NextGeneration => RefreshGeneration + 1;

    /// <summary>Whether a refresh token of <paramref name="generation"/> was this session's once and has been rotated away.</summary>
    public bool IsRotatedAway(uint generation) => generation > 0 && generation < RefreshGeneration;
}
