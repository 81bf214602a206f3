using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Passwords;

/// <summary>
/// Password policy and Argon2id cost. Configuration section <c>Passwords</c>. The defaults are
/// OWASP's minimum for Argon2id (m = 19 MiB, t = 2, p = 1); lower values are refused at start-up.
/// Raising them takes effect for new hashes at once and for existing ones at the next successful login.
/// </summary>
public sealed class PasswordOptions
{
    public const string Section = "Passwords";
    public const int OwaspMinimumMemoryKiB = 19 * 1024;
    public const int OwaspMinimumIterations = 2;

    /// <summary>Shortest password accepted for new passwords, in characters. Default 8. The maximum is fixed at 1024.</summary>
    public int MinLength { get; set; } = 8;

    /// <summary>Argon2id memory cost in KiB. Default 19456 (19 MiB).</summary>
    public int MemoryKiB { get; set; } = OwaspMinimumMemoryKiB;

    /// <summary>Argon2id passes over memory. Default 2.</summary>
    public int Iterations { get; set; } = OwaspMinimumIterations;

    /// <summary>Dedicated hashing threads per silo; 0 means one per core. Default 0.</summary>
    public int HashingThreads { get; set; }

    /// <summary>
    /// Hashes allowed to wait for a thread before further logins are shed with 503 (Retry-After).
    /// Bounds login latency under a burst. Default 256.
    /// </summary>
    public int MaxQueuedHashes { get; set; } = 256;

    public int EffectiveHashingThreads => HashingThreads > 0 ? HashingThreads : Environment.ProcessorCount;
}

internal sealed class PasswordOptionsValidator() : OptionsValidator<PasswordOptions>(PasswordOptions.Section)
{
    protected override void Check(PasswordOptions o, Failures failures)
    {
        const int MaxLength = Contracts.Passwords.Password.MaxLength;
        failures.Unless(o.MinLength is >= 8 and <= MaxLength, nameof(o.MinLength), $"must be 8 to {MaxLength} (got {o.MinLength}).");
        failures.Unless(o.MemoryKiB is >= PasswordOptions.OwaspMinimumMemoryKiB and <= 1024 * 1024, nameof(o.MemoryKiB), $"must be {PasswordOptions.OwaspMinimumMemoryKiB} to 1048576 (got {o.MemoryKiB}).");
        failures.Unless(o.Iterations is >= PasswordOptions.OwaspMinimumIterations and <= 100, nameof(o.Iterations), $"must be {PasswordOptions.OwaspMinimumIterations} to 100 (got {o.Iterations}).");
        failures.Unless(o.HashingThreads is >= 0 and <= 256, nameof(o.HashingThreads), $"must be 0 (one per core) to 256 (got {o.HashingThreads}).");
        failures.Unless(o.MaxQueuedHashes is >= 1 and <= 100_000, nameof(o.MaxQueuedHashes), $"must be 1 to 100000 (got {o.MaxQueuedHashes}).");
    }
}
