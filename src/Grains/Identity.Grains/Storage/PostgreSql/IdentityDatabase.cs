using System.Data.Common;
using Npgsql;

namespace Identity.Grains.Storage.PostgreSql;

/// <summary>
/// The PostgreSQL database the grid persists to, named by <c>ConnectionStrings:Identity</c>.
/// Creating it opens nothing; a silo connects and migrates in its start-up lifecycle
/// (<see cref="SchemaMigration"/>).
/// </summary>
public sealed class IdentityDatabase : IAsyncDisposable
{
    /// <summary>Default connect timeout: a database that does not answer is reported within seconds.</summary>
    public const int DefaultConnectTimeoutSeconds = 2;

    /// <summary>Default statement timeout. With the connect timeout it bounds a failing write to about 5 s.</summary>
    public const int DefaultCommandTimeoutSeconds = 3;

    /// <summary>
    /// Default connections per process. Storage operations take about a millisecond, so 32 carry
    /// tens of thousands per second, and a burst queues in the pool instead of opening a storm of
    /// new connections (each a SCRAM handshake) that cannot finish within the connect timeout.
    /// </summary>
    public const int DefaultMaxPoolSize = 32;

    /// <summary>
    /// Default number of statements Npgsql prepares per connection once they repeat. The storage
    /// provider sends the same few statements all the time; prepared, PostgreSQL skips parsing and
    /// planning them (its CPU per refresh fell from 384 to 211 µs, bench/results/storage-cpu-*.md).
    /// A PgBouncer in transaction mode needs <c>max_prepared_statements</c> (1.21+) for this, or
    /// <c>Max Auto Prepare=0</c> in the connection string.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 32;

    private readonly string? ownerConnectionString;

    private IdentityDatabase(NpgsqlDataSource dataSource, string? ownerConnectionString)
    {
        DataSource = dataSource;
        this.ownerConnectionString = ownerConnectionString;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Host, port and database, without credentials: safe to log.</summary>
    public string Description
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
    }

    /// <summary>
    /// The database at <paramref name="connectionString"/>; nothing is opened yet. With
    /// <paramref name="ownerConnectionString"/> (the role that owns the schema) migrations run as the
    /// owner and grant the application's role what the grid needs; the grid itself connects as a
    /// role that owns nothing. Without it, one role does both.
    /// </summary>
    public static IdentityDatabase Create(string connectionString, string? ownerConnectionString = null) =>
        new(NpgsqlDataSource.Create(WithDefaults(connectionString)), string.IsNullOrWhiteSpace(ownerConnectionString) ? null : ownerConnectionString);

    /// <summary>Connects and brings the schema to this build's version (a silo does it in its start-up lifecycle).</summary>
    public static async Task<IdentityDatabase> OpenAsync(string connectionString, string? ownerConnectionString = null, CancellationToken cancellationToken = default)
    {
        var database = Create(connectionString, ownerConnectionString);
        try
        {
            await database.MigrateAsync(cancellationToken);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Applies the migrations this database lacks; returns their versions. Throws
    /// <see cref="IdentityDatabaseException"/> saying what to do when the database cannot be used.
    /// </summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (ownerConnectionString is null)
            {
                return await SchemaMigrator.MigrateAsync(DataSource, cancellationToken);
            }

            await using var owner = NpgsqlDataSource.Create(WithDefaults(ownerConnectionString));
            var applied = await SchemaMigrator.MigrateAsync(owner, cancellationToken);
            var application = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString).Username;
            if (application is { Length: > 0 } && application != new NpgsqlConnectionStringBuilder(ownerConnectionString).Username)
            {
                await SchemaMigrator.GrantAsync(owner, application, cancellationToken);
            }

            return applied;
        }
        catch (Exception ex) when (ex is NpgsqlException or DbException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new IdentityDatabaseException(
                $"Cannot use the identity database at {Description}: {ex.Message} "
                + "Check ConnectionStrings:Identity (environment variable ConnectionStrings__Identity) and that the server is up.", ex);
        }
    }

    /// <summary>Pings the database with a bounded wait.</summary>
    public async Task<bool> IsReachableAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(timeout);
        try
        {
            await using var command = DataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancel.Token);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or DbException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>
    /// Connect and statement timeouts default to a few seconds, the pool to 32 connections and
    /// automatic preparation to 32 statements, unless the connection string sets them.
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = DefaultConnectTimeoutSeconds;
        }

        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            builder.CommandTimeout = DefaultCommandTimeoutSeconds;
        }

        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        builder.ApplicationName ??= "identity-grid";
        // The grid keeps no session state on its connections, so the DISCARD ALL that Npgsql would
        // send with each reuse of a pooled connection is pure overhead.
        builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }
}
