using Orleans.Concurrency;

namespace Identity.Grains.Users;

/// <summary>What a session asks of its user grain: whether it is listed (before it starts), and that it ended on its own (logout, reuse, expiry).</summary>
[Alias("identity.IUserSessionIndexGrain")]
public interface IUserSessionIndexGrain : IGrainWithGuidKey
{
    /// <summary>
    /// One-way, so a session ending never waits on its user grain: the user grain may at that
    /// moment be waiting on the session (password change), and a two-way call would deadlock.
    /// </summary>
    [OneWay, Alias("OnSessionEnded")]
    Task OnSessionEndedAsync(Guid sessionId);

    /// <summary>
    /// Whether the user lists <paramref name="sessionId"/>: a session starts only if it does, so no
    /// session can exist outside its user's list (and escape "revoke all", password change or disable).
    /// Interleaves: the user grain is at that moment waiting for the session to start.
    /// </summary>
    [AlwaysInterleave, ReadOnly, Alias("ListsSession")]
    Task<bool> ListsSessionAsync(Guid sessionId);
}
