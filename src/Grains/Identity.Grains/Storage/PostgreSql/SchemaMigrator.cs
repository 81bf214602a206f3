using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Identity.Grains.Storage.PostgreSql;

/// <summary>
/// Brings the database schema to the version this build knows, at start-up. Migrations are the
/// embedded <c>Migrations/NNNN_name.sql</c> files, applied in order inside one transaction under
/// an advisory lock, so silos starting together apply them once. Applying again is a no-op; a
/// database at a newer version than this build knows is refused.
/// </summary>
public static class SchemaMigrator
{
    private const long MigrationLockKey = 0x1D_6E_71_79_5C_4E_4D_41;
    private static readonly IReadOnlyList<(int Version, string Name, string Script)> Migrations = LoadMigrations();

    /// <summary>The schema version this build writes and understands.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies every migration the database lacks; returns the versions applied.</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS identity_schema
            (
                singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
                version    integer     NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken);

        var current = await CurrentVersionAsync(connection, cancellationToken);
        if (current > LatestVersion)
        {
            throw new IdentityDatabaseException(
                $"The identity database schema is at version {current}, newer than this build understands (version {LatestVersion}). "
                + "Run a build that knows that version, or point ConnectionStrings:Identity at another database.");
        }

        var applied = new List<int>();
        foreach (var migration in Migrations.Where(m => m.Version > current))
        {
            await ExecuteAsync(connection, migration.Script, cancellationToken);
            applied.Add(migration.Version);
        }

        if (applied.Count > 0)
        {
            await using var record = new NpgsqlCommand(
                "INSERT INTO identity_schema (version) VALUES (@version) ON CONFLICT (singleton) DO UPDATE SET version = @version, applied_at = now()",
                connection);
            record.Parameters.AddWithValue("version", LatestVersion);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    /// <summary>
    /// Lets <paramref name="role"/> (the application's, which owns nothing) read and write the grid's
    /// rows and run its functions — and no more: the query texts the providers execute and the schema
    /// version stay read-only to it, and it cannot create or drop anything. Idempotent; run after
    /// every migration so tables a new version adds are covered.
    /// </summary>
    public static async Task GrantAsync(NpgsqlDataSource owner, string role, CancellationToken cancellationToken = default)
    {
        var quoted = "\"" + role.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var connection = await owner.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Under the migration's lock: nodes starting together would otherwise GRANT on the same
        // catalog rows at once, and PostgreSQL fails one with "tuple concurrently updated" (seen in CI).
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, $"""
            GRANT USAGE ON SCHEMA public TO {quoted};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted};
            REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON orleansquery, identity_schema FROM {quoted};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted};
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted};
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM identity_schema", connection);
        return await command.ExecuteScalarAsync(cancellationToken) is int version ? version : 0;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<(int, string, string)> LoadMigrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string Marker = ".Migrations.";
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.Contains(Marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..];
                var version = int.Parse(file[..file.IndexOf('_', StringComparison.Ordinal)], NumberStyles.None, CultureInfo.InvariantCulture);
                return (version, file, Read(assembly, n));
            })
            .OrderBy(m => m.version)
            .ToList();
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].version != i + 1)
            {
                throw new InvalidOperationException($"Schema migrations must be numbered 1, 2, 3…; found {migrations[i].file} at position {i + 1}.");
            }
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
