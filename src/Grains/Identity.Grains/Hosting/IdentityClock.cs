namespace Identity.Grains.Hosting;

/// <summary>
/// The clock identity rules read (expiry, lockout, last seen). Registered as a keyed
/// <see cref="TimeProvider"/> so tests can swap it for a fake without also freezing Orleans'
/// own timers, which read the unkeyed one.
/// </summary>
public static class IdentityClock
{
    public const string Key = "identity";
}
