using Identity.Contracts.Sessions;

namespace Identity.Grains.Sessions;

/// <summary>
/// What a new session is started with. A service's session (<see cref="IsService"/>: OAuth client
/// credentials) is owned by its client (<see cref="Identity.Grains.OAuth.IServiceClientGrain"/>),
/// not a user: <see cref="UserId"/> is empty, <see cref="Username"/> and the grant's client id are the client's id.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.SessionStart")]
public sealed record SessionStart(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] ClientContext Client,
    [property: Id(3)] TokenGrant? Grant = null,
    [property: Id(4)] bool IsService = false,
    [property: Id(5)] string? Amr = null);

/// <summary>
/// Starting and revoking sessions on behalf of their owner (a user grain, or a service's client
/// grain), and the upkeep the silo asks of them. Internal to the grid: sessions are only ever
/// started by a successful login, or a service's client-credentials grant.
/// </summary>
[Alias("identity.ISessionLifecycleGrain")]
public interface ISessionLifecycleGrain : IGrainWithGuidKey
{
    [Alias("Start")]
    Task<IssuedTokens> StartAsync(SessionStart start);

    /// <summary>Revokes the session on behalf of its user grain, which is the caller and has already dropped it from its list. Idempotent.</summary>
    [Alias("RevokeForUser")]
    Task<bool> RevokeForUserAsync(SessionEndReason reason);

    /// <summary>
    /// The session's user proved again who they are (<see cref="Contracts.Users.IUserGrain.ReauthenticateAsync"/>,
    /// the caller): records when and how, for the changes that need a recent authentication. False when the session has ended.
    /// </summary>
    [Alias("RecordAuthentication")]
    Task<bool> RecordAuthenticationAsync(string amr);

    /// <summary>
    /// Asked by the <see cref="Storage.PostgreSql.ExpiredSessionPurger"/>: deletes the session if it has expired (true), otherwise
    /// writes it back with its current last-seen and purge time (false).
    /// </summary>
    [Alias("PurgeIfExpired")]
    Task<bool> PurgeIfExpiredAsync();

    /// <summary>Writes "last seen" if it moved since the last write (asked by <see cref="LastSeenFlusher"/>); true when it wrote.</summary>
    [Alias("FlushLastSeen")]
    Task<bool> FlushLastSeenAsync();
}
