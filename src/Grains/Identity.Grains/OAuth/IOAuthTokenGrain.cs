using Orleans.Concurrency;

namespace Identity.Grains.OAuth;

/// <summary>One token-store entry of the OpenID Connect server, keyed by its id (see <see cref="OAuthTokenState"/>).</summary>
[Alias("identity.IOAuthTokenGrain")]
public interface IOAuthTokenGrain : IGrainWithGuidKey
{
    /// <summary>The entry, or null when there is none (never created, deleted, or pruned after expiry).</summary>
    [ReadOnly, Alias("Get")]
    Task<OAuthTokenState?> GetAsync();

    /// <summary>
    /// Creates or replaces the entry when <paramref name="expectedConcurrencyToken"/> is the stored
    /// one (null to create); returns the stored entry with its new concurrency token, or null when
    /// another writer changed it first. Keeps the reference-id index in step.
    /// </summary>
    [Alias("Save")]
    Task<OAuthTokenState?> SaveAsync(OAuthTokenState entry, string? expectedConcurrencyToken);

    /// <summary>Records the grid session the code started (<see cref="OAuthTokenState.StartedSessionId"/>); false when there is no entry.</summary>
    [Alias("LinkSession")]
    Task<bool> LinkSessionAsync(Guid sessionId);

    /// <summary>Deletes the entry and its reference id. Idempotent.</summary>
    [Alias("Delete")]
    Task DeleteAsync();
}

/// <summary>The reference-id index of the token store: a digest of a code's or token's secret → the entry's id.</summary>
[Alias("identity.IOAuthReferenceGrain")]
public interface IOAuthReferenceGrain : IGrainWithStringKey
{
    [ReadOnly, Alias("Resolve")]
    Task<Guid?> ResolveAsync();

    [Alias("Point")]
    Task PointAsync(Guid? tokenId);
}
