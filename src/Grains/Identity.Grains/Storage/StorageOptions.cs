using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Storage;

/// <summary>Where grain state lives.</summary>
public enum StorageMode
{
    /// <summary>PostgreSQL at <c>ConnectionStrings:Identity</c>.</summary>
    PostgreSql = 0,

    /// <summary>In process memory only: everything is lost when the process stops. For tests and throwaway demos.</summary>
    Memory = 1,
}

/// <summary>Storage configuration. Section <c>Storage</c>, plus <c>ConnectionStrings:Identity</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string ConnectionStringName = "Identity";

    /// <summary>Optional: the role that owns the schema, for migrations; then <c>ConnectionStrings:Identity</c> may be a role that owns nothing.</summary>
    public const string OwnerConnectionStringName = "IdentityOwner";

    public StorageMode Mode { get; set; } = StorageMode.PostgreSql;

    /// <summary>How often expired sessions are looked for and purged from storage. Default 10 minutes.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Expired sessions handled per database round trip by the purge. Default 500.</summary>
    public int PurgeBatchSize { get; set; } = 500;
}

public sealed class StorageOptionsValidator() : OptionsValidator<StorageOptions>(StorageOptions.Section)
{
    protected override void Check(StorageOptions options, Failures failures)
    {
        failures.Unless(Enum.IsDefined(options.Mode), nameof(options.Mode), "must be PostgreSql or Memory.");
        failures.Unless(options.PurgeInterval >= TimeSpan.FromSeconds(1), nameof(options.PurgeInterval), $"must be at least one second (got {options.PurgeInterval}).");
        failures.Unless(options.PurgeBatchSize is >= 1 and <= 100_000, nameof(options.PurgeBatchSize), $"must be 1 to 100000 (got {options.PurgeBatchSize}).");
    }
}
