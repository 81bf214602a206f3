namespace Identity.Contracts.Revocations;

/// <summary>
/// One observer's subscription to every revocation hub, renewed by its owner more often than
/// <see cref="IRevocationHubGrain.SubscriptionLifetime"/> (the grid's Api nodes relaying to services,
/// and Identity.Client's in-cluster mode). A renewal tells whether revocations may have been missed
/// since the last one (a hub restarted, or a subscription may have lapsed) — then the owner must
/// drop whatever it cached — and whether every hub is subscribed now.
/// </summary>
public sealed class RevocationSubscription(IGrainFactory grains, IRevocationObserver observer)
{
    private readonly Guid?[] _activations = new Guid?[IRevocationHubGrain.Partitions];
    private readonly DateTimeOffset[] _renewedAt = new DateTimeOffset[IRevocationHubGrain.Partitions];

    /// <summary>Subscribes to (or renews with) every hub; <paramref name="failed"/> hears each hub that could not be reached.</summary>
    public async Task<(bool Missed, bool Subscribed)> RenewAsync(TimeProvider time, Action<int, Exception> failed)
    {
        var missed = false;
        var subscribed = true;
        for (var partition = 0; partition < IRevocationHubGrain.Partitions; partition++)
        {
            try
            {
                var activation = await grains.GetGrain<IRevocationHubGrain>(partition).SubscribeAsync(observer);
                var now = time.GetUtcNow();
                missed |= _activations[partition] is { } known
                    && (known != activation || now - _renewedAt[partition] >= IRevocationHubGrain.SubscriptionLifetime);
                _activations[partition] = activation;
                _renewedAt[partition] = now;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                subscribed = false;
                failed(partition, ex);
            }
        }

        return (missed, subscribed);
    }
}
