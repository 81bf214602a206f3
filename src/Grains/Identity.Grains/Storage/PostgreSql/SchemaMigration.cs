using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Identity.Grains.Storage.PostgreSql;

/// <summary>
/// Connects to the identity database and applies its schema as the silo starts, in the lifecycle
/// stage before any Orleans provider reads from it (membership starts at RuntimeGrainServices,
/// grain storage at ApplicationServices). A failure stops the silo with the database's message.
/// </summary>
internal sealed partial class SchemaMigration(IdentityDatabase database, ILogger<SchemaMigration> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaMigration), ServiceLifecycleStage.RuntimeInitialize, MigrateAsync);

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = await database.MigrateAsync(cancellationToken);
        LogSchemaReady(logger, database.Description, SchemaMigrator.LatestVersion, applied.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Identity database {Database} at schema version {Version} ({Applied} migrations applied now)")]
    private static partial void LogSchemaReady(ILogger logger, string database, int version, int applied);
}
