using System.Data.Common;

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

/// <summary>The query both stores answer the same way (their tables have the same shape).</summary>
internal static class ExpiredSessionQuery
{
    /// <summary>Runs the query on <paramref name="command"/>, a command of the store's own connection.</summary>
    public static async Task<IReadOnlyList<Guid>> RunAsync(DbCommand command, string serviceId, long now, int limit, CancellationToken cancellationToken)
    {
        command.CommandText =
            """
            SELECT grain_n0, grain_n1 FROM grain_state
            WHERE service_id = @service AND state_name = @state AND purge_after <= @now
            ORDER BY purge_after
            LIMIT @limit
            """;
        Add(command, "@service", serviceId);
        Add(command, "@state", IdentityStorage.SessionState);
        Add(command, "@now", now);
        Add(command, "@limit", limit);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(ExpiredSessionPurger.GuidOf(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return ids;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
