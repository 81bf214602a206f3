using Identity.Grains.Hosting;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Identity.Testing;

/// <summary>
/// A two-silo in-process cluster running the real grains, with a fake identity clock, counted
/// hashing and inspectable storage shared by both silos. Two silos, so calls between grains
/// really cross the serializer.
/// </summary>
internal sealed class TestGrid : IAsyncDisposable
{
    private TestGrid(InProcessTestCluster cluster, FakeTimeProvider clock, TestGrainStorage storage, HashingCounts hashing, IdentityDatabase? database)
    {
        Cluster = cluster;
        Clock = clock;
        Storage = storage;
        Hashing = hashing;
        Database = database;
    }

    public InProcessTestCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Client;

    public FakeTimeProvider Clock { get; }

    public TestGrainStorage Storage { get; }

    public HashingCounts Hashing { get; }

    /// <summary>The PostgreSQL database of a grid started with <see cref="StartOnPostgresAsync"/>; it goes with the grid.</summary>
    public IdentityDatabase? Database { get; }

    private bool _ownsDatabase;

    /// <param name="settings">Configuration overrides for the silos.</param>
    /// <param name="storage">Storage to start on, e.g. one a previous grid wrote (a restart).</param>
    public static Task<TestGrid> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TestGrainStorage? storage = null) =>
        StartAsync(settings, storage, database: null);

    /// <summary>
    /// A grid persisting to a new PostgreSQL database (<see cref="TestPostgres"/>) through the
    /// production provider and schema; membership stays the test cluster's. The purge's own loop is
    /// parked; tests call it directly.
    /// </summary>
    public static async Task<TestGrid> StartOnPostgresAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await IdentityDatabase.OpenAsync(await TestPostgres.CreateDatabaseAsync());
        var grid = await StartOnPostgresAsync(database, settings);
        grid._ownsDatabase = true;
        return grid;
    }

    /// <summary>The same on a database the caller opened (and disposes).</summary>
    public static async Task<TestGrid> StartOnPostgresAsync(IdentityDatabase database, IReadOnlyDictionary<string, string?>? settings)
    {
        var merged = new Dictionary<string, string?> { ["Storage:PurgeInterval"] = "3650.00:00:00" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        return await StartAsync(merged, storage: null, database);
    }

    /// <summary>The purge of expired sessions of the first silo.</summary>
    public ExpiredSessionPurger Purger => Cluster.GetSiloServiceProvider().GetRequiredService<ExpiredSessionPurger>();

    /// <summary>Writes every "last seen" that is due, on every silo, now (instead of waiting for the flushers' timers).</summary>
    public async Task FlushLastSeenAsync()
    {
        foreach (var silo in Cluster.Silos)
        {
            await Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<LastSeenFlusher>().FlushAsync(CancellationToken.None);
        }
    }

    private static async Task<TestGrid> StartAsync(IReadOnlyDictionary<string, string?>? settings, TestGrainStorage? storage, IdentityDatabase? database)
    {
        var clock = TestClock.Create();
        storage ??= new TestGrainStorage(new IdentityStateSerializer());
        var hashing = new HashingCounts();
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host => host.Configuration.AddInMemoryCollection(TestKeys.Settings).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddIdentityGrains();
            silo.Services.AddKeyedSingleton<TimeProvider>(IdentityClock.Key, clock);
            if (database is null)
            {
                silo.Services.AddKeyedSingleton<IGrainStorage>(IdentityStorage.ProviderName, storage);
            }
            else
            {
                silo.AddIdentityPostgres(database, clustering: false);
            }

            silo.Services.AddSingleton<Argon2idPasswordHasher>();
            silo.Services.AddSingleton<IPasswordHasher>(sp => new CountingPasswordHasher(sp.GetRequiredService<Argon2idPasswordHasher>(), hashing));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TestGrid(cluster, clock, storage, hashing, database);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (_ownsDatabase && Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
