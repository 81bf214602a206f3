using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Identity.Grains.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.Configuration;

namespace Identity.Grains.Hosting;

/// <summary>The one place a silo of the identity grid is configured; used by src/Silo and by src/Api in single-node mode.</summary>
public static class IdentityGridSiloBuilderExtensions
{
    /// <summary>
    /// Everything a grid node needs, read from <paramref name="configuration"/>: the grains,
    /// storage and cluster membership. With PostgreSQL storage (the default) the database — given
    /// by <c>ConnectionStrings:Identity</c>, or a private server started here — holds both grain
    /// state and membership, and its schema is applied before the silo starts.
    /// </summary>
    /// <param name="privateDatabaseAllowed">
    /// Whether this process may run a private PostgreSQL when no connection string is set: yes for
    /// the single-node Api, no for a grid node, which must share its database with the others.
    /// </param>
    public static ISiloBuilder ConfigureIdentitySilo(this ISiloBuilder silo, IConfiguration configuration, bool privateDatabaseAllowed = true)
    {
        var storage = StorageSettings.From(configuration);
        if (storage.Problems() is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(StorageSettings.Section, typeof(StorageSettings), problems);
        }

        var cluster = ClusterSettings.From(configuration);
        SiloPortGuard.EnsurePortsAreFree(cluster);
        silo.AddIdentityGrid();
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.ConfigureEndpoints(cluster.AdvertisedAddress(), cluster.SiloPort, cluster.GatewayPort, cluster.ListenOnAnyHostAddress);
        ClusterTuning.Apply(silo, configuration);

        if (storage.Mode == StorageMode.Memory)
        {
            silo.AddIdentityMemoryStorage();
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            return silo;
        }

        // Configuration time is the only moment the connection string can still shape the
        // providers' options, so the database (and a private server, if any) is ready before
        // the host is built.
        var connectionString = configuration.GetConnectionString(StorageSettings.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString) && !privateDatabaseAllowed)
        {
            throw new IdentityDatabaseException(
                "A grid node needs the database it shares with the other silos: set ConnectionStrings__Identity "
                + "(or Storage__Mode=Memory for a throwaway single node).");
        }

        var database = IdentityDatabase.OpenAsync(connectionString, storage, Console.Out).GetAwaiter().GetResult();
        silo.AddIdentityPostgres(database, storage);
        return silo;
    }

    /// <summary>
    /// The grains' services and options, without storage or membership: for hosts that bring their
    /// own, such as the test cluster.
    /// </summary>
    public static ISiloBuilder AddIdentityGrid(this ISiloBuilder silo)
    {
        var services = silo.Services;
        AddValidatedOptions<SessionOptions, SessionOptionsValidator>(services, SessionOptions.Section);
        AddValidatedOptions<LockoutOptions, LockoutOptionsValidator>(services, LockoutOptions.Section);
        AddValidatedOptions<PasswordOptions, PasswordOptionsValidator>(services, PasswordOptions.Section);

        services.TryAddKeyedSingleton(IdentityClock.Key, TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher, Argon2idPasswordHasher>();
        services.TryAddSingleton<IdentityStateSerializer>();
        services.TryAddSingleton<LastSeenFlusher>();
        services.AddHostedService(provider => provider.GetRequiredService<LastSeenFlusher>());
        return silo;
    }

    /// <summary>Grain state in silo memory: lost when the process stops.</summary>
    public static ISiloBuilder AddIdentityMemoryStorage(this ISiloBuilder silo) =>
        silo.AddMemoryGrainStorage(IdentityStorage.ProviderName, options => options.Configure<IServiceProvider>(
            (storage, provider) => storage.GrainStorageSerializer = provider.GetRequiredService<IdentityStateSerializer>()));

    /// <summary>
    /// Grain state in PostgreSQL through Orleans' ADO.NET provider and this project's schema,
    /// the storage janitor, and (unless <paramref name="clustering"/> is false) membership in the same database.
    /// </summary>
    public static ISiloBuilder AddIdentityPostgres(this ISiloBuilder silo, IdentityDatabase database, StorageSettings settings, bool clustering = true)
    {
        silo.Services.AddSingleton(database);
        silo.Services.AddSingleton(settings);
        const string PostgresProvider = IdentityStorage.ProviderName + "-postgres";
        silo.AddAdoNetGrainStorage(PostgresProvider, options => options.Configure<IServiceProvider>((storage, provider) =>
        {
            storage.Invariant = "Npgsql";
            storage.DataSource = database.DataSource;
            storage.DeleteStateOnClear = true;
            storage.GrainStorageSerializer = provider.GetRequiredService<IdentityStateSerializer>();
        }));
        silo.Services.AddKeyedSingleton<IGrainStorage>(IdentityStorage.ProviderName, (provider, _) =>
            new UnavailableOnFailureGrainStorage(provider.GetRequiredKeyedService<IGrainStorage>(PostgresProvider)));
        if (clustering)
        {
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.DataSource = database.DataSource;
            });
        }

        silo.Services.AddSingleton<SessionStorageJanitor>();
        silo.Services.AddHostedService(provider => provider.GetRequiredService<SessionStorageJanitor>());
        if (database.LocalServer is { } server)
        {
            // Stop the private server only after every hosted service (the silo with its final writes) has stopped.
            silo.Services.AddHostedService(provider => new LocalPostgresShutdown(server, provider.GetRequiredService<IHostApplicationLifetime>()));
        }

        return silo;
    }

    private static void AddValidatedOptions<TOptions, TValidator>(IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }

    private sealed class LocalPostgresShutdown(LocalPostgres server, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(server.Stop);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
