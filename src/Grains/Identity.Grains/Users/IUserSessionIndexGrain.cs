using Orleans.Concurrency;

namespace Identity.Grains.Users;

/// <summary>How a session tells its user grain that it ended on its own (logout, reuse, expiry).</summary>
[Alias("identity.IUserSessionIndexGrain")]
public interface IUserSessionIndexGrain : IGrainWithGuidKey
{
    /// <summary>
    /// One-way, so a session ending never waits on its user grain: the user grain may at that
    /// moment be waiting on the session (password change), and a two-way call would deadlock.
    /// </summary>
    [OneWay, Alias("OnSessionEnded")]
    Task OnSessionEndedAsync(Guid sessionId);
}
