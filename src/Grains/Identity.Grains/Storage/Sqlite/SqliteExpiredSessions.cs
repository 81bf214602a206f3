using Microsoft.Data.Sqlite;

namespace Identity.Grains.Storage.Sqlite;

/// <summary>Expired sessions in the SQLite store; one node, so its purger always has the turn.</summary>
internal sealed class SqliteExpiredSessions(IdentitySqlite store) : IExpiredSessionStore
{
    public async Task<IPurgeRound?> TryStartPurgeAsync(CancellationToken cancellationToken) =>
        new Round(await store.OpenAsync(cancellationToken));

    private sealed class Round(SqliteConnection connection) : IPurgeRound
    {
        public async Task<IReadOnlyList<Guid>> ExpiredAsync(string serviceId, long now, int limit, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            return await ExpiredSessionQuery.RunAsync(command, serviceId, now, limit, cancellationToken);
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
