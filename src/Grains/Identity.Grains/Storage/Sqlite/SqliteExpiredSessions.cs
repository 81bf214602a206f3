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
            command.CommandText =
                """
                SELECT grain_n0, grain_n1 FROM grain_state
                WHERE service_id = @service AND state_name = @state AND purge_after <= @now
                ORDER BY purge_after
                LIMIT @limit
                """;
            command.Parameters.AddWithValue("@service", serviceId);
            command.Parameters.AddWithValue("@state", IdentityStorage.SessionState);
            command.Parameters.AddWithValue("@now", now);
            command.Parameters.AddWithValue("@limit", limit);
            var ids = new List<Guid>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(ExpiredSessionPurger.GuidOf(reader.GetInt64(0), reader.GetInt64(1)));
            }

            return ids;
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
