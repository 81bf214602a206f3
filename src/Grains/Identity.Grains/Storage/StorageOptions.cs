using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Storage;

/// <summary>Where grain state lives.</summary>
public enum StorageMode
{
    /// <summary>PostgreSQL at <c>ConnectionStrings:Identity</c>: production, and the only store a grid of several silos can share.</summary>
    PostgreSql = 0,

    /// <summary>In process memory only: everything is lost when the process stops. For tests and throwaway demos.</summary>
    Memory = 1,

    /// <summary>One SQLite file (<see cref="StorageOptions.SqlitePath"/>): the single-node default when no connection string is set.</summary>
    Sqlite = 2,

    /// <summary>A private PostgreSQL server the Api starts for itself (developer tooling: the server binaries must be installed).</summary>
    LocalPostgres = 3,
}

/// <summary>Storage configuration. Section <c>Storage</c>, plus <c>ConnectionStrings:Identity</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string ConnectionStringName = "Identity";

    /// <summary>Optional: the role that owns the schema, for migrations; then <c>ConnectionStrings:Identity</c> may be a role that owns nothing.</summary>
    public const string OwnerConnectionStringName = "IdentityOwner";

    /// <summary>Unset: <see cref="StorageMode.PostgreSql"/> when <c>ConnectionStrings:Identity</c> is set, else <see cref="StorageMode.Sqlite"/>.</summary>
    public StorageMode? Mode { get; set; }

    /// <summary>The SQLite store's file, relative to the working directory. Default <c>.data/identity.db</c>.</summary>
    public string SqlitePath { get; set; } = Path.Combine(".data", "identity.db");

    /// <summary>The mode in effect: the configured one, or the default for whether a connection string is set.</summary>
    public StorageMode EffectiveMode(bool hasConnectionString) => Mode ?? (hasConnectionString ? StorageMode.PostgreSql : StorageMode.Sqlite);

    /// <summary>How often expired sessions are looked for and purged from storage. Default 10 minutes.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Expired sessions handled per database round trip by the purge. Default 500.</summary>
    public int PurgeBatchSize { get; set; } = 500;
}

public sealed class StorageOptionsValidator() : OptionsValidator<StorageOptions>(StorageOptions.Section)
{
    protected override void Check(StorageOptions options, Failures failures)
    {
        failures.Unless(options.Mode is null || Enum.IsDefined(options.Mode.Value), nameof(options.Mode), "must be PostgreSql, Sqlite, LocalPostgres or Memory.");
        failures.Unless(!string.IsNullOrWhiteSpace(options.SqlitePath), nameof(options.SqlitePath), "must name a file.");
        failures.Unless(options.PurgeInterval >= TimeSpan.FromSeconds(1), nameof(options.PurgeInterval), $"must be at least one second (got {options.PurgeInterval}).");
        failures.Unless(options.PurgeBatchSize is >= 1 and <= 100_000, nameof(options.PurgeBatchSize), $"must be 1 to 100000 (got {options.PurgeBatchSize}).");
    }
}
