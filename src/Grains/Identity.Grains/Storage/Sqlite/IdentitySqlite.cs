using Microsoft.Data.Sqlite;

namespace Identity.Grains.Storage.Sqlite;

/// <summary>
/// The single-node default store: grain state in one SQLite file (<c>Storage:SqlitePath</c>), in
/// WAL mode with full synchronous writes, so an acknowledged change survives a crash. Opening it
/// creates the file and applies this project's schema (<c>Storage/Sqlite/Schema.sql</c>). For one
/// node only: a grid of several silos shares PostgreSQL.
/// </summary>
public sealed class IdentitySqlite
{
    public const int SchemaVersion = 1;

    /// <summary>
    /// How long a statement waits for a lock held by another connection of this process (the
    /// purge, a health check) before it reports the store busy (503).
    /// </summary>
    private const int BusyTimeoutSeconds = 3;

    public IdentitySqlite(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>Creates the folder and the file if needed, turns on WAL and applies the schema.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        await using var connection = await OpenAsync(cancellationToken);
        await using (var version = connection.CreateCommand())
        {
            // A new file has no table yet (and SQLite refuses a query naming a missing table).
            version.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'identity_schema'";
            var exists = (long)(await version.ExecuteScalarAsync(cancellationToken))! > 0;
            version.CommandText = "SELECT max(version) FROM identity_schema";
            if (exists && await ScalarOrNull(version, cancellationToken) is long found && found > SchemaVersion)
            {
                throw new Hosting.NodeStartupException(
                    $"The SQLite store {Path} is at schema version {found}, newer than this build knows ({SchemaVersion}): run a newer build, or move the file away.");
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var schema = connection.CreateCommand())
        {
            schema.CommandText = await ReadSchemaAsync();
            await schema.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A connection with the per-connection settings every statement relies on.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        // WAL: readers never wait for the writer; synchronous=FULL: a change is on disk when acknowledged.
        pragmas.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>Whether the store answers a read within its busy timeout.</summary>
    public async Task<bool> IsReachableAsync()
    {
        try
        {
            await using var connection = await OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM identity_schema";
            await command.ExecuteScalarAsync();
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private static async Task<object?> ScalarOrNull(SqliteCommand command, CancellationToken cancellationToken)
    {
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static async Task<string> ReadSchemaAsync()
    {
        await using var stream = typeof(IdentitySqlite).Assembly.GetManifestResourceStream("Identity.Grains.Storage.Sqlite.Schema.sql")
            ?? throw new InvalidOperationException("The SQLite schema is not embedded in this build.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
