using Microsoft.AspNetCore.Authentication;

namespace Identity.Client;

/// <summary>How a service checks grid access tokens.</summary>
public enum IdentityGridMode
{
    /// <summary>
    /// Over HTTP: RFC 7662 introspection at <see cref="IdentityGridOptions.Authority"/> as a configured
    /// introspection client, answers cached briefly; with push revocation the cache may hold longer.
    /// </summary>
    Remote,

    /// <summary>
    /// Inside the grid: one call to the token's session grain through an Orleans client (the same
    /// zero-database check the grid's Api makes), answers cached while a grain observer hears every
    /// revocation. Needs a certificate the grid's gateways admit (role Api): for services trusted as
    /// much as an Api node.
    /// </summary>
    InCluster,
}

/// <summary>Options of the <see cref="IdentityGridDefaults.AuthenticationScheme"/> scheme.</summary>
public sealed class IdentityGridOptions : AuthenticationSchemeOptions
{
    /// <summary>Remote (introspection, the default) or in-cluster (Orleans).</summary>
    public IdentityGridMode Mode { get; set; } = IdentityGridMode.Remote;

    /// <summary>Remote mode: the grid's API base address, e.g. <c>https://id.example.com/</c>.</summary>
    public Uri? Authority { get; set; }

    /// <summary>Remote mode: this service's introspection client id (the grid's <c>Introspection:Clients</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>Remote mode: the client's secret. Keep it out of source control.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// When set, only tokens whose <c>aud</c> is this value are accepted (configure the same value as
    /// the client's <c>Audience</c> on the grid, which then refuses other tokens to this client too).
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Push revocation (on by default): drop a cached check as soon as its session ends — remote
    /// mode follows <c>GET /v1/revocations</c>, in-cluster mode subscribes a grain observer to the
    /// grid's revocation hubs. While push is not live, checks are cached only for
    /// <see cref="CacheDurationWithoutPush"/>.
    /// </summary>
    public bool PushRevocation { get; set; } = true;

    /// <summary>How long an active answer is reused while push revocation is live. Never past the token's expiry.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long an active answer is reused without push revocation: the longest a revoked token can
    /// still be accepted. Zero: no cache.
    /// </summary>
    public TimeSpan CacheDurationWithoutPush { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many sessions' checks are cached.</summary>
    public int CacheSizeLimit { get; set; } = 100_000;

    /// <summary>Remote mode: the longest an introspection call may take.</summary>
    public TimeSpan IntrospectionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checked when the scheme is first used: a misconfiguration fails loudly, naming the option.</summary>
    public override void Validate()
    {
        base.Validate();
        if (Mode == IdentityGridMode.Remote)
        {
            Require(Authority is { IsAbsoluteUri: true }, nameof(Authority), "must be the grid API's absolute base address");
            Require(!string.IsNullOrEmpty(ClientId) && !string.IsNullOrEmpty(ClientSecret), nameof(ClientId), "and ClientSecret are required in remote mode");
        }

        Require(CacheDuration >= TimeSpan.Zero && CacheDurationWithoutPush >= TimeSpan.Zero, nameof(CacheDuration), "must not be negative");
        Require(CacheSizeLimit > 0, nameof(CacheSizeLimit), "must be positive");
        Require(IntrospectionTimeout > TimeSpan.Zero, nameof(IntrospectionTimeout), "must be positive");
    }

    private static void Require(bool holds, string option, string problem)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"IdentityGrid: {option} {problem}.");
        }
    }
}

/// <summary>Default names.</summary>
public static class IdentityGridDefaults
{
    /// <summary>The scheme <c>AddIdentityGrid(options =&gt; …)</c> registers.</summary>
    public const string AuthenticationScheme = "IdentityGrid";
}

/// <summary>The claims a grid access token gives its principal.</summary>
public static class IdentityGridClaims
{
    /// <summary>The user's id; for a service's token (client credentials), its client id.</summary>
    public const string Subject = "sub";

    /// <summary>The OAuth client the token was issued to, when one was (OpenID Connect sign-ins, client credentials).</summary>
    public const string ClientId = "client_id";

    /// <summary>The session's id (also what revocation names).</summary>
    public const string SessionId = "sid";

    /// <summary>The account's username (also the principal's name).</summary>
    public const string Username = "username";

    /// <summary>One claim per scope the sign-in asked for.</summary>
    public const string Scope = "scope";

    /// <summary>The audience the sign-in asked for, when it did.</summary>
    public const string Audience = "aud";
}
