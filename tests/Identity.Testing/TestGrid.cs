using Identity.Grains.Hosting;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Identity.Grains.Storage.Sqlite;
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
    private TestGrid(InProcessTestCluster cluster, FakeTimeProvider clock, TestGrainStorage storage, HashingCounts hashing, IdentityDatabase? database, IdentitySqlite? sqlite = null)
    {
        Cluster = cluster;
        Clock = clock;
        Storage = storage;
        Hashing = hashing;
        Database = database;
        Sqlite = sqlite;
    }

    public InProcessTestCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Client;

    public FakeTimeProvider Clock { get; }

    public TestGrainStorage Storage { get; }

    public HashingCounts Hashing { get; }

    /// <summary>The PostgreSQL database of a grid started with <see cref="StartOnPostgresAsync"/>; it goes with the grid.</summary>
    public IdentityDatabase? Database { get; }

    /// <summary>The SQLite store of a grid started with <see cref="StartOnSqliteAsync"/>; its file goes with the grid.</summary>
    public IdentitySqlite? Sqlite { get; }

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

    /// <summary>
    /// A grid persisting to a new SQLite file through the production provider and schema (the
    /// single-node default, here shared by the test cluster's silos). The purge's loop is parked.
    /// </summary>
    public static async Task<TestGrid> StartOnSqliteAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var merged = new Dictionary<string, string?> { ["Storage:PurgeInterval"] = "3650.00:00:00" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        var store = new IdentitySqlite(Path.Combine(Directory.CreateTempSubdirectory("identity-sqlite").FullName, "identity.db"));
        return await StartAsync(merged, storage: null, database: null, store);
    }

    /// <summary>Rows of stored state named <paramref name="stateName"/> (user, session, login-name), in whichever database the grid uses.</summary>
    public async Task<long> CountStoredAsync(string stateName) => await QueryAsync(
        "SELECT count(*) FROM grain_state WHERE state_name = @state", stateName, null) is long count ? count : 0;

    /// <summary>The stored JSON of one grain's state, or null.</summary>
    public async Task<string?> StoredPayloadAsync(string stateName, Guid grainId) => (string?)await QueryAsync(
        Database is not null
            ? "SELECT payload::text FROM grain_state WHERE state_name = @state AND grain_n0 = @n0 AND grain_n1 = @n1"
            : "SELECT payload FROM grain_state WHERE state_name = @state AND grain_n0 = @n0 AND grain_n1 = @n1",
        stateName,
        grainId);

    private async Task<object?> QueryAsync(string sql, string stateName, Guid? grainId)
    {
        var key = grainId?.ToByteArray();
        if (Database is not null)
        {
            await using var command = Database.DataSource.CreateCommand(sql);
            command.Parameters.AddWithValue("state", stateName);
            if (key is not null)
            {
                command.Parameters.AddWithValue("n0", BitConverter.ToInt64(key, 0));
                command.Parameters.AddWithValue("n1", BitConverter.ToInt64(key, 8));
            }

            return await command.ExecuteScalarAsync();
        }

        await using var connection = await (Sqlite ?? throw new InvalidOperationException("This grid keeps its state in memory.")).OpenAsync();
        await using var query = connection.CreateCommand();
        query.CommandText = sql;
        query.Parameters.AddWithValue("@state", stateName);
        if (key is not null)
        {
            query.Parameters.AddWithValue("@n0", BitConverter.ToInt64(key, 0));
            query.Parameters.AddWithValue("@n1", BitConverter.ToInt64(key, 8));
        }

        return await query.ExecuteScalarAsync();
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

    private static async Task<TestGrid> StartAsync(IReadOnlyDictionary<string, string?>? settings, TestGrainStorage? storage, IdentityDatabase? database, IdentitySqlite? sqlite = null)
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
            if (database is not null)
            {
                silo.AddIdentityPostgres(database, clustering: false);
            }
            else if (sqlite is not null)
            {
                silo.AddIdentitySqlite(sqlite);
            }
            else
            {
                silo.Services.AddKeyedSingleton<IGrainStorage>(IdentityStorage.ProviderName, storage);
            }

            silo.Services.AddSingleton<Argon2idPasswordHasher>();
            silo.Services.AddSingleton<IPasswordHasher>(sp => new CountingPasswordHasher(sp.GetRequiredService<Argon2idPasswordHasher>(), hashing));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TestGrid(cluster, clock, storage, hashing, database, sqlite);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (_ownsDatabase && Database is not null)
        {
            await Database.DisposeAsync();
        }

        if (Sqlite is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(Sqlite.Path)!, recursive: true);
        }
    }
}
