using Identity.Contracts.Health;
using Identity.Grains.Health;

namespace Identity.Grains.Storage.PostgreSql;

/// <summary>
/// Healthy when the identity database answers within two seconds. Unhealthy means writes
/// (register, login, refresh, logout) are failing with 503; validations of live sessions go on.
/// </summary>
internal sealed class PostgresHealthCheck(IdentityDatabase database) : IStorageHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<StorageHealth> CheckAsync() => await database.IsReachableAsync(Timeout)
        ? new StorageHealth(true, $"PostgreSQL {database.Description} answers.")
        : new StorageHealth(false, $"PostgreSQL {database.Description} does not answer.");
}
