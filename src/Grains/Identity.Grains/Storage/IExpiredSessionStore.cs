namespace Identity.Grains.Storage;

/// <summary>What <see cref="ExpiredSessionPurger"/> needs of a store: one purger at a time, and the sessions due.</summary>
public interface IExpiredSessionStore
{
    /// <summary>A purge round, or null when another silo is purging now.</summary>
    Task<IPurgeRound?> TryStartPurgeAsync(CancellationToken cancellationToken);
}

/// <summary>One silo's turn to purge; disposing it ends the turn.</summary>
public interface IPurgeRound : IAsyncDisposable
{
    /// <summary>Up to <paramref name="limit"/> stored sessions of <paramref name="serviceId"/> whose purge time (Unix seconds) has come, earliest first.</summary>
    Task<IReadOnlyList<Guid>> ExpiredAsync(string serviceId, long now, int limit, CancellationToken cancellationToken);
}
