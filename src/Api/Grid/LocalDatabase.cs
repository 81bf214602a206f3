using Identity.DevPostgres;
using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Identity.Grains.Storage;
using Identity.ServiceDefaults.Hosting;

namespace Identity.Api.Grid;

/// <summary>
/// The zero-setup default: a co-hosted grid storing in PostgreSQL with no connection string gets a
/// private server (tools/Identity.DevPostgres) in <c>Storage:LocalDataDirectory</c>, started before
/// the host is built (it is developer tooling, so it may block and print) and stopped when the
/// process leaves <see cref="NodeRunner.RunAsync"/> — after the silo has made its last writes, or
/// after a start-up failure. Production sets <c>ConnectionStrings:Identity</c> and never runs this.
/// </summary>
internal static class LocalDatabase
{
    public const string DataDirectoryKey = StorageOptions.Section + ":LocalDataDirectory";

    public static void UseLocalDatabaseWhenNoneConfigured(this WebApplicationBuilder builder)
    {
        var storage = builder.Configuration.BindValidated<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        if (storage.Mode != StorageMode.PostgreSql
            || !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(StorageOptions.ConnectionStringName)))
        {
            return;
        }

        var dataDirectory = builder.Configuration[DataDirectoryKey] is { Length: > 0 } configured ? configured : Path.Combine(".data", "postgres");
        LocalPostgres server;
        try
        {
            server = LocalPostgres.Start(dataDirectory, Console.Out);
        }
        catch (DevPostgresException ex)
        {
            throw new NodeStartupException(ex.Message, ex);
        }

        // Stopped when the process leaves, also when start-up fails after this point (a port in use).
        builder.StopOnExit(new StopServer(server));
        // The grid connects as a role that owns nothing; migrations run as the owner.
        builder.Configuration.AddInMemoryCollection(
        [
            new($"ConnectionStrings:{StorageOptions.ConnectionStringName}", server.ApplicationConnectionString),
            new($"ConnectionStrings:{StorageOptions.OwnerConnectionStringName}", server.ConnectionString),
        ]);
    }

    /// <summary>Stops the private server; the runner calls it after the host (the silo with its final writes) has stopped.</summary>
    private sealed class StopServer(LocalPostgres server) : IDisposable
    {
        public void Dispose()
        {
            if (server.IsRunning)
            {
                server.Stop();
            }
        }
    }
}
