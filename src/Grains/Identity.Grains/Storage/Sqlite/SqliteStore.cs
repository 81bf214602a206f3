using Identity.Contracts.Health;
using Identity.Grains.Health;
using Microsoft.Extensions.Logging;

namespace Identity.Grains.Storage.Sqlite;

/// <summary>Creates the SQLite store and applies its schema as the silo starts, before grain storage reads from it; says where the data is.</summary>
internal sealed partial class SqliteSchemaMigration(IdentitySqlite store, ILogger<SqliteSchemaMigration> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteSchemaMigration), ServiceLifecycleStage.RuntimeInitialize, MigrateAsync);

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        LogReady(logger, store.Path);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storing grain state in SQLite at {Path} (single node; set ConnectionStrings__Identity to use PostgreSQL, the store for production and clusters)")]
    private static partial void LogReady(ILogger logger, string path);
}

/// <summary>Healthy when the SQLite store answers a read.</summary>
internal sealed class SqliteHealthCheck(IdentitySqlite store) : IStorageHealthCheck
{
    public async Task<StorageHealth> CheckAsync() => await store.IsReachableAsync()
        ? new StorageHealth(true, $"SQLite {store.Path} answers.")
        : new StorageHealth(false, $"SQLite {store.Path} does not answer.");
}
