using Identity.Grains.Audit;
using Identity.Grains.Health;
using Identity.Grains.Hosting.Options;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Identity.Grains.Storage.Sqlite;
using Identity.Grains.Telemetry;
using Identity.Grains.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;

namespace Identity.Grains.Hosting;

/// <summary>The one place a silo of the identity grid is configured; used by src/Silo and by src/Api co-hosted.</summary>
public static class GridSiloBuilderExtensions
{
    /// <summary>
    /// Everything a grid node needs, read from <paramref name="configuration"/>: the grains, storage,
    /// membership and mutual TLS on its ports (<see cref="GridTlsOptions"/>). With PostgreSQL storage (the default) the database at
    /// <c>ConnectionStrings:Identity</c> holds both grain state and membership; its schema is applied
    /// in the silo's start-up lifecycle. No I/O happens here.
    /// </summary>
    /// <param name="singleNode">
    /// The Api hosting its own silo: it may store in SQLite (the default without a connection
    /// string) or memory. A grid node (src/Silo) shares PostgreSQL with the others, or refuses to start.
    /// </param>
    public static ISiloBuilder ConfigureIdentitySilo(this ISiloBuilder silo, IConfiguration configuration, bool singleNode = false)
    {
        // Ports and the storage provider shape the silo's services, so they are read now, from the
        // same validated options the silo injects later.
        var grid = configuration.BindValidated<GridOptions, GridOptionsValidator>(GridOptions.Section);
        var storage = configuration.BindValidated<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        var tls = configuration.BindValidated<GridTlsOptions, GridTlsOptionsValidator>(GridTlsOptions.Section);

        silo.AddIdentityGrains();
        silo.AddTraceContext(configuration);
        if (configuration.BindValidated<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section).Dashboard)
        {
            // Every silo collects the dashboard's figures; nodes serve it on their management listener.
            silo.AddDashboard();
        }
        silo.Services.AddValidatedOptions<GridOptions, GridOptionsValidator>(GridOptions.Section);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloPortGuard>();
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = grid.ClusterId;
            o.ServiceId = grid.ServiceId;
        });
        silo.ConfigureEndpoints(grid.AdvertisedAddress(), grid.SiloPort, grid.GatewayPort, grid.ListenOnAnyHostAddress);
        silo.UseGridTls(tls);
        MembershipTuning.Apply(silo, configuration);

        var connectionString = configuration.GetConnectionString(StorageOptions.ConnectionStringName);
        var mode = storage.EffectiveMode(!string.IsNullOrWhiteSpace(connectionString));
        if (mode is StorageMode.Memory or StorageMode.Sqlite && !singleNode)
        {
            throw new NodeStartupException(
                "A grid node needs the database it shares with the other silos: set ConnectionStrings__Identity "
                + $"(Storage:Mode {mode} is for an Api running alone).");
        }

        if (mode == StorageMode.Memory)
        {
            silo.AddIdentityMemoryStorage();
            silo.UseLocalhostClustering(grid.SiloPort, grid.GatewayPort, serviceId: grid.ServiceId, clusterId: grid.ClusterId);
            return silo;
        }

        if (mode == StorageMode.Sqlite)
        {
            silo.AddIdentitySqlite(new IdentitySqlite(storage.SqlitePath));
            silo.UseLocalhostClustering(grid.SiloPort, grid.GatewayPort, serviceId: grid.ServiceId, clusterId: grid.ClusterId);
            return silo;
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new IdentityDatabaseException(
                "Storage:Mode PostgreSql needs the database: set ConnectionStrings__Identity "
                + "(or leave Storage:Mode unset for the single-node SQLite default, or Storage__Mode=LocalPostgres for a private server).");
        }

        silo.AddIdentityPostgres(IdentityDatabase.Create(connectionString, configuration.GetConnectionString(StorageOptions.OwnerConnectionStringName)));
        return silo;
    }

    /// <summary>
    /// The grains' services and options, without storage or membership: for hosts that bring their
    /// own, such as the test grid.
    /// </summary>
    public static ISiloBuilder AddIdentityGrains(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddValidatedOptions<SessionOptions, SessionOptionsValidator>(SessionOptions.Section);
        services.AddValidatedOptions<LoginThrottleOptions, LoginThrottleOptionsValidator>(LoginThrottleOptions.Section);
        services.AddValidatedOptions<PasswordOptions, PasswordOptionsValidator>(PasswordOptions.Section);
        services.AddValidatedOptions<AccountOptions, AccountOptionsValidator>(AccountOptions.Section);
        services.AddTokenAuthenticator();
        services.TryAddSingleton<SecretSealer>();
        services.AddValidatedOptions<PasskeyOptions, PasskeyOptionsValidator>(PasskeyOptions.Section);
        services.TryAddSingleton<PasskeyCeremonies>();
        services.TryAddSingleton<SecurityEvents>();
        services.TryAddSingleton<GridMetrics>();
        services.AddHostedService<GridMetrics.CreateAtStart>();

        services.TryAddKeyedSingleton(IdentityClock.Key, TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher, Argon2idPasswordHasher>();
        services.TryAddSingleton<IdentityStateSerializer>();
        services.TryAddSingleton<IStorageHealthCheck, InProcessStorageHealthCheck>();
        services.TryAddSingleton<LastSeenFlusher>();
        services.AddHostedService(provider => provider.GetRequiredService<LastSeenFlusher>());
        return silo;
    }

    /// <summary>
    /// Grain state in one SQLite file through Orleans' ADO.NET provider and this project's schema
    /// (applied as the silo starts), with the purge of expired sessions. One node only.
    /// </summary>
    public static ISiloBuilder AddIdentitySqlite(this ISiloBuilder silo, IdentitySqlite store)
    {
        silo.Services.AddSingleton(store);
        // Orleans names SQLite "System.Data.SQLite" and serves it with Microsoft.Data.Sqlite's factory.
        AddAdoNetStore<SqliteSchemaMigration, SqliteHealthCheck, SqliteExpiredSessions>(
            silo, "System.Data.SQLite", options => options.ConnectionString = store.ConnectionString);
        return silo;
    }

    /// <summary>
    /// A database store: its schema applied as the silo starts (<typeparamref name="TSchema"/>), its
    /// health check, the purge of expired sessions over it, and Orleans' ADO.NET grain storage on
    /// <paramref name="invariant"/> behind the wrapper that turns an outage into the contract's
    /// retryable error — the provider every identity grain uses.
    /// </summary>
    private static void AddAdoNetStore<TSchema, THealth, TExpired>(ISiloBuilder silo, string invariant, Action<AdoNetGrainStorageOptions> connect)
        where TSchema : class, ILifecycleParticipant<ISiloLifecycle>
        where THealth : class, IStorageHealthCheck
        where TExpired : class, IExpiredSessionStore
    {
        silo.Services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TSchema>();
        silo.Services.AddSingleton<IStorageHealthCheck, THealth>();
        silo.Services.AddSingleton<IExpiredSessionStore, TExpired>();
        silo.Services.AddSingleton<ExpiredSessionPurger>();
        silo.Services.AddHostedService(provider => provider.GetRequiredService<ExpiredSessionPurger>());

        const string AdoNetProvider = IdentityStorage.ProviderName + "-adonet";
        silo.AddAdoNetGrainStorage(AdoNetProvider, options => options.Configure<IServiceProvider>((storage, provider) =>
        {
            storage.Invariant = invariant;
            connect(storage);
            storage.DeleteStateOnClear = true;
            storage.GrainStorageSerializer = provider.GetRequiredService<IdentityStateSerializer>();
        }));
        silo.Services.AddKeyedSingleton<IGrainStorage>(IdentityStorage.ProviderName, (provider, _) =>
            new UnavailableOnFailureGrainStorage(
                provider.GetRequiredKeyedService<IGrainStorage>(AdoNetProvider),
                provider.GetRequiredService<GridMetrics>(),
                provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<UnavailableOnFailureGrainStorage>>()));
    }

    /// <summary>Grain state in silo memory: lost when the process stops.</summary>
    public static ISiloBuilder AddIdentityMemoryStorage(this ISiloBuilder silo) =>
        silo.AddMemoryGrainStorage(IdentityStorage.ProviderName, options => options.Configure<IServiceProvider>(
            (storage, provider) => storage.GrainStorageSerializer = provider.GetRequiredService<IdentityStateSerializer>()));

    /// <summary>
    /// Grain state in <paramref name="database"/> through Orleans' ADO.NET provider and this project's
    /// schema (applied as the silo starts), the purge of expired sessions, and (unless
    /// <paramref name="clustering"/> is false) membership in the same database.
    /// </summary>
    public static ISiloBuilder AddIdentityPostgres(this ISiloBuilder silo, IdentityDatabase database, bool clustering = true)
    {
        silo.Services.AddSingleton(database);
        AddAdoNetStore<SchemaMigration, PostgresHealthCheck, PostgresExpiredSessions>(silo, "Npgsql", options => options.DataSource = database.DataSource);
        if (clustering)
        {
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.DataSource = database.DataSource;
            });
        }

        return silo;
    }
}
