using Microsoft.Extensions.Configuration;

namespace Identity.Grains.Storage;

/// <summary>Where grain state lives.</summary>
public enum StorageMode
{
    /// <summary>PostgreSQL: <c>ConnectionStrings:Identity</c>, or a private server the process runs for itself.</summary>
    PostgreSql = 0,

    /// <summary>In process memory only: everything is lost when the process stops. For tests and throwaway demos.</summary>
    Memory = 1,
}

/// <summary>Storage configuration. Section <c>Storage</c>, plus <c>ConnectionStrings:Identity</c>.</summary>
public sealed class StorageSettings
{
    public const string Section = "Storage";
    public const string ConnectionStringName = "Identity";

    public StorageMode Mode { get; set; } = StorageMode.PostgreSql;

    /// <summary>
    /// Data folder of the private PostgreSQL server started when no connection string is set,
    /// relative to the working directory. Default <c>.data/postgres</c> (git ignores <c>.data/</c>).
    /// </summary>
    public string LocalDataDirectory { get; set; } = Path.Combine(".data", "postgres");

    /// <summary>How often expired sessions are looked for and deleted from storage. Default 10 minutes.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Expired sessions handled per database round trip by the purge. Default 500.</summary>
    public int PurgeBatchSize { get; set; } = 500;

    public static StorageSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<StorageSettings>() ?? new StorageSettings();

    /// <summary>Every problem with the settings, each naming its key; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Mode))
        {
            problems.Add($"{Section}:Mode must be PostgreSql or Memory.");
        }

        if (string.IsNullOrWhiteSpace(LocalDataDirectory))
        {
            problems.Add($"{Section}:LocalDataDirectory must not be empty.");
        }

        if (PurgeInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{Section}:PurgeInterval must be at least one second (got {PurgeInterval}).");
        }

        if (PurgeBatchSize is < 1 or > 100_000)
        {
            problems.Add($"{Section}:PurgeBatchSize must be 1 to 100000 (got {PurgeBatchSize}).");
        }

        return problems;
    }
}
