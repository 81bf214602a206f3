using Identity.Contracts.Passwords;
using Identity.Grains.Passwords;

namespace Identity.Testing;

/// <summary>How often each hashing operation ran, across every silo of a test cluster.</summary>
internal sealed class HashingCounts
{
    private int _hashes;
    private int _verifications;
    private int _decoyVerifications;

    public int Hashes => Volatile.Read(ref _hashes);

    public int Verifications => Volatile.Read(ref _verifications);

    public int DecoyVerifications => Volatile.Read(ref _decoyVerifications);

    /// <summary>Every operation that costs one full Argon2id derivation.</summary>
    public int Total => Hashes + Verifications + DecoyVerifications;

    public void CountHash() => Interlocked.Increment(ref _hashes);

    public void CountVerification() => Interlocked.Increment(ref _verifications);

    public void CountDecoy() => Interlocked.Increment(ref _decoyVerifications);
}

/// <summary>The production hasher, counted.</summary>
internal sealed class CountingPasswordHasher(IPasswordHasher inner, HashingCounts counts) : IPasswordHasher
{
    public Task<string> HashAsync(Password password)
    {
        counts.CountHash();
        return inner.HashAsync(password);
    }

    public Task<PasswordVerification> VerifyAsync(Password password, string encodedHash)
    {
        counts.CountVerification();
        return inner.VerifyAsync(password, encodedHash);
    }

    public Task SpendVerificationCostAsync(Password password)
    {
        counts.CountDecoy();
        return inner.SpendVerificationCostAsync(password);
    }
}
