using Identity.Contracts.Passwords;
using Identity.Grains.Passwords;

namespace Identity.Testing;

/// <summary>How often each hashing operation ran, across every silo of a test cluster.</summary>
internal sealed class HashingCounts
{
    private int _hashes;
    private int _verifications;
    private int _decoyVerifications;
    private int _inFlight;
    private int _maxInFlight;

    public int Hashes => Volatile.Read(ref _hashes);

    public int Verifications => Volatile.Read(ref _verifications);

    public int DecoyVerifications => Volatile.Read(ref _decoyVerifications);

    /// <summary>Every operation that costs one full Argon2id derivation.</summary>
    public int Total => Hashes + Verifications + DecoyVerifications;

    /// <summary>The most hashing operations that were waiting or running at once since <see cref="ResetConcurrency"/>.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void ResetConcurrency() => Volatile.Write(ref _maxInFlight, Volatile.Read(ref _inFlight));

    public void CountHash() => Interlocked.Increment(ref _hashes);

    /// <summary>Counts an operation as in flight until <paramref name="operation"/> completes.</summary>
    public async Task<T> TrackAsync<T>(Task<T> operation)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            return await operation;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void CountVerification() => Interlocked.Increment(ref _verifications);

    public void CountDecoy() => Interlocked.Increment(ref _decoyVerifications);
}

/// <summary>The production hasher, counted.</summary>
internal sealed class CountingPasswordHasher(IPasswordHasher inner, HashingCounts counts) : IPasswordHasher
{
    public Task<string> HashAsync(Password password)
    {
        counts.CountHash();
        return counts.TrackAsync(inner.HashAsync(password));
    }

    public Task<PasswordVerification> VerifyAsync(Password password, string encodedHash)
    {
        counts.CountVerification();
        return counts.TrackAsync(inner.VerifyAsync(password, encodedHash));
    }

    public Task SpendVerificationCostAsync(Password password)
    {
        counts.CountDecoy();
        return counts.TrackAsync(Spend());

        async Task<bool> Spend()
        {
            await inner.SpendVerificationCostAsync(password);
            return true;
        }
    }
}
