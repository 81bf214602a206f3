using System.Data.Common;
using Npgsql;

namespace Identity.Grains.Storage.PostgreSql;

/// <summary>
/// The PostgreSQL database the grid persists to: the one named by <c>ConnectionStrings:Identity</c>,
/// or a private server this process runs for itself. Opening it applies the schema.
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

    private IdentityDatabase(NpgsqlDataSource dataSource, LocalPostgres? localServer)
    {
        DataSource = dataSource;
        LocalServer = localServer;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The private server, when no connection string was configured.</summary>
    public LocalPostgres? LocalServer { get; }

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
    /// Connects to <paramref name="connectionString"/>, or when it is empty starts the private server
    /// in <see cref="StorageSettings.LocalDataDirectory"/>; then applies the schema.
    /// Throws <see cref="IdentityDatabaseException"/> with what to do when that is impossible.
    /// </summary>
    public static async Task<IdentityDatabase> OpenAsync(string? connectionString, StorageSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        var local = string.IsNullOrWhiteSpace(connectionString) ? LocalPostgres.Start(settings.LocalDataDirectory, log) : null;
        var dataSource = NpgsqlDataSource.Create(WithDefaultTimeouts(local?.ConnectionString ?? connectionString!));
        var database = new IdentityDatabase(dataSource, local);
        try
        {
            await SchemaMigrator.MigrateAsync(dataSource, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or DbException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await dataSource.DisposeAsync();
            throw new IdentityDatabaseException(
                $"Cannot use the identity database at {database.Description}: {ex.Message} "
                + "Check ConnectionStrings:Identity (environment variable ConnectionStrings__Identity) and that the server is up.", ex);
        }

        return database;
    }

    /// <summary>Opens a database the caller already runs (tests, tools).</summary>
    public static async Task<IdentityDatabase> OpenAsync(string connectionString, CancellationToken cancellationToken = default) =>
        await OpenAsync(connectionString, new StorageSettings(), TextWriter.Null, cancellationToken);

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

    /// <summary>Connect and statement timeouts default to a few seconds, and the pool to 32 connections, unless the connection string sets them.</summary>
    public static string WithDefaultTimeouts(string connectionString)
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

        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("Max Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        builder.ApplicationName ??= "identity-grid";
        // The grid keeps no session state on its connections, so the DISCARD ALL that Npgsql would
        // send with each reuse of a pooled connection is pure overhead.
        builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }
}
