using Identity.DevPostgres;
using Identity.Grains.Hosting.Options;
using Identity.Grains.Storage;

namespace Identity.Api.Grid;

/// <summary>
/// The zero-setup default: a co-hosted grid storing in PostgreSQL with no connection string gets a
/// private server (tools/Identity.DevPostgres) in <c>Storage:LocalDataDirectory</c>, started before
/// the host is built (it is developer tooling, so it may block and print) and stopped after the
/// silo has made its last writes. Production sets <c>ConnectionStrings:Identity</c> and never runs this.
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
        var server = LocalPostgres.Start(dataDirectory, Console.Out);
        // The grid connects as a role that owns nothing; migrations run as the owner.
        builder.Configuration.AddInMemoryCollection(
        [
            new($"ConnectionStrings:{StorageOptions.ConnectionStringName}", server.ApplicationConnectionString),
            new($"ConnectionStrings:{StorageOptions.OwnerConnectionStringName}", server.ConnectionString),
        ]);
        builder.Services.AddHostedService(provider => new StopWhenTheHostHasStopped(server, provider.GetRequiredService<IHostApplicationLifetime>()));
    }

    /// <summary>Stops the private server only after every hosted service (the silo with its final writes) has stopped.</summary>
    private sealed class StopWhenTheHostHasStopped(LocalPostgres server, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(server.Stop);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
