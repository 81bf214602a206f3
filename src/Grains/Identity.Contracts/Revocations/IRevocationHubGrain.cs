using Orleans.Concurrency;

namespace Identity.Contracts.Revocations;

/// <summary>
/// Told when sessions end (logout, revocation, password change, disable, erasure, refresh-token
/// reuse, expiry), within milliseconds: what lets a process that caches token checks drop them at
/// once. Implemented by the grid's Api nodes (which relay to services over
/// <c>GET /v1/revocations</c>) and by in-cluster services.
/// </summary>
[Alias("identity.IRevocationObserver")]
public interface IRevocationObserver : IGrainObserver
{
    /// <summary>These sessions have ended: drop whatever was cached for them.</summary>
    [OneWay, Alias("SessionsEnded")]
    Task SessionsEndedAsync(Guid[] sessionIds);
}

/// <summary>
/// Where revocation observers subscribe. Sessions are spread over <see cref="Partitions"/> hubs
/// (integer keys 0 to <see cref="Partitions"/> − 1, by <see cref="PartitionOf"/>); an observer
/// subscribes to all of them and renews its subscription more often than
/// <see cref="SubscriptionLifetime"/>. Each answer names the hub's activation: when it changes, the
/// hub restarted (its silo was lost) and revocations may have been missed in between, so the
/// observer must drop everything it cached.
/// </summary>
[Alias("identity.IRevocationHubGrain")]
public interface IRevocationHubGrain : IGrainWithIntegerKey
{
    public const int Partitions = 8;

    /// <summary>A subscription not renewed for this long is dropped.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromSeconds(30);

    public static int PartitionOf(Guid sessionId) => (int)((uint)sessionId.GetHashCode() % Partitions);

    /// <summary>Subscribes (or renews); returns the id of this hub's activation.</summary>
    [Alias("Subscribe")]
    Task<Guid> SubscribeAsync(IRevocationObserver observer);

    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(IRevocationObserver observer);
}
