using Orleans.Concurrency;

namespace Identity.Contracts.Sessions;

/// <summary>
/// One login session, keyed by its session id. Holds the digests of the current access and refresh
/// secrets in memory, so validating a token is one grain call with no storage I/O.
/// </summary>
[Alias("identity.ISessionGrain")]
public interface ISessionGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Reads answer from memory in microseconds (one storage read when cold: p99 ≈ 1.6 ms). A read
    /// stuck for a second has reached a silo that died; failing it then lets the caller retry
    /// (reads are safe to repeat) as soon as the grain is back on a live silo — about 2 s after a
    /// crash — instead of waiting out a longer timeout: the slowest check during a failover stays
    /// under 3 s (the topology test asserts it).
    /// </summary>
    public const string ReadTimeout = "00:00:01";

    /// <summary>For reads that fan out to many grains (an account's session list): each of those has <see cref="ReadTimeout"/>.</summary>
    public const string FanOutReadTimeout = "00:00:03";

    /// <summary>
    /// The hot path: returns the session when <paramref name="accessDigest"/> is its current access
    /// token and the session is live, otherwise null. Records "last seen" in memory only.
    /// </summary>
    [ReadOnly, ResponseTimeout(ReadTimeout), Alias("ValidateAccessToken")]
    ValueTask<SessionView?> ValidateAccessTokenAsync(TokenDigest accessDigest);

    /// <summary>
    /// Rotates both tokens when the refresh token of <paramref name="generation"/> with
    /// <paramref name="refreshDigest"/> is the session's current one. Any earlier refresh token of the
    /// session (a lower generation) ends the whole session: it was stolen or replayed (reuse detection).
    /// </summary>
    [Alias("Refresh")]
    Task<RefreshResult> RefreshAsync(TokenDigest refreshDigest, uint generation, ClientContext client);

    /// <summary>Ends the session when <paramref name="accessDigest"/> is its current access token.</summary>
    [Alias("Logout")]
    Task<bool> LogoutAsync(TokenDigest accessDigest);

    /// <summary>Ends the session whatever token is presented (an administrative revocation). Idempotent.</summary>
    [Alias("Revoke")]
    Task<bool> RevokeAsync(SessionEndReason reason);

    /// <summary>
    /// What the session is (owner, client, audience, scope, lifetimes) without presenting a token, or
    /// null when it is not live: for the grid's own front ends, which hold the session id from a
    /// token they already checked or are about to present (a refresh token, whose own check is
    /// <see cref="RefreshAsync"/>) or a cookie that points at the session (the hosted pages).
    /// Counts as a use: records "last seen" in memory, as a token check does.
    /// </summary>
    [ReadOnly, ResponseTimeout(ReadTimeout), Alias("GetView")]
    ValueTask<SessionView?> GetViewAsync();

    /// <summary>The session as listed to its owner, or null when it is not live.</summary>
    [ReadOnly, ResponseTimeout(ReadTimeout), Alias("GetSummary")]
    Task<SessionSummary?> GetSummaryAsync();
}
