using Identity.Contracts.Revocations;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;

namespace Identity.Grains.Revocations;

/// <summary>How a session grain announces its end to its hub: one-way, so ending a session never waits for the fan-out.</summary>
[Alias("identity.IRevocationFeedGrain")]
internal interface IRevocationFeedGrain : IGrainWithIntegerKey
{
    [OneWay, Alias("Publish")]
    Task PublishAsync(Guid sessionId);
}

/// <summary>
/// One partition of the revocation fan-out (<see cref="IRevocationHubGrain"/>): keeps its observers
/// in memory only (they renew; a lost hub comes back empty with a new activation id, which tells
/// them to drop their caches) and forwards each ended session to all of them, one way.
/// </summary>
internal sealed class RevocationHubGrain(ILogger<RevocationHubGrain> logger) : Grain, IRevocationHubGrain, IRevocationFeedGrain
{
    private readonly ObserverManager<IRevocationObserver> _observers = new(IRevocationHubGrain.SubscriptionLifetime, logger);
    private readonly Guid _activation = Guid.NewGuid();

    public Task<Guid> SubscribeAsync(IRevocationObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(_activation);
    }

    public Task UnsubscribeAsync(IRevocationObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task PublishAsync(Guid sessionId)
    {
        Guid[] ended = [sessionId];
        _observers.Notify(observer => observer.SessionsEndedAsync(ended));
        return Task.CompletedTask;
    }
}

/// <summary>Announces ended sessions to their revocation hub.</summary>
internal static class RevocationFeed
{
    public static void Announce(IGrainFactory grains, Guid sessionId) =>
        grains.GetGrain<IRevocationFeedGrain>(IRevocationHubGrain.PartitionOf(sessionId)).PublishAsync(sessionId).Ignore();
}
