using Identity.DevPostgres;
using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Identity.Grains.Storage;
using Identity.ServiceDefaults.Hosting;

namespace Identity.Api.Grid;

/// <summary>
/// <c>Storage:Mode=LocalPostgres</c>: a co-hosted grid gets a private PostgreSQL server
/// (tools/Identity.DevPostgres; the server binaries must be installed) in <c>Storage:LocalDataDirectory</c>, started before
/// the host is built (it is developer tooling, so it may block and print) and stopped when the
/// process leaves <see cref="NodeRunner.RunAsync"/> — after the silo has made its last writes, or
/// after a start-up failure. Production sets <c>ConnectionStrings:Identity</c> and never runs this;
/// the default run without one stores in SQLite (no server at all).
/// </summary>
internal static class LocalDatabase
{
    public const string DataDirectoryKey = StorageOptions.Section + ":LocalDataDirectory";

    public static void UseLocalDatabaseWhenNoneConfigured(this WebApplicationBuilder builder)
    {
        var storage = builder.Configuration.BindValidated<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        if (storage.Mode != StorageMode.LocalPostgres)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(StorageOptions.ConnectionStringName)))
        {
            throw new NodeStartupException("Storage:Mode LocalPostgres starts a private server of its own: remove ConnectionStrings__Identity, or set Storage__Mode=PostgreSql to use that database.");
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
            new($"{StorageOptions.Section}:{nameof(StorageOptions.Mode)}", nameof(StorageMode.PostgreSql)),
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
