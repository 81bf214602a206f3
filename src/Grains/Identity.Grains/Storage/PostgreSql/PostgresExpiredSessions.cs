using Npgsql;

namespace Identity.Grains.Storage.PostgreSql;

/// <summary>Expired sessions in PostgreSQL; the silo holding an advisory lock is the one that purges.</summary>
internal sealed class PostgresExpiredSessions(IdentityDatabase database) : IExpiredSessionStore
{
    private const long PurgeLockKey = 0x1D_6E_71_79_5C_4E_4D_42;

    public async Task<IPurgeRound?> TryStartPurgeAsync(CancellationToken cancellationToken)
    {
        var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({PurgeLockKey})", connection);
        if (await command.ExecuteScalarAsync(cancellationToken) is true)
        {
            return new Round(connection);
        }

        await connection.DisposeAsync();
        return null;
    }

    private sealed class Round(NpgsqlConnection connection) : IPurgeRound
    {
        public async Task<IReadOnlyList<Guid>> ExpiredAsync(string serviceId, long now, int limit, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            return await ExpiredSessionQuery.RunAsync(command, serviceId, now, limit, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({PurgeLockKey})", connection);
                await unlock.ExecuteScalarAsync(CancellationToken.None);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
