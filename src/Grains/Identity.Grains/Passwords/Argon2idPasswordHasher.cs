using System.Security.Cryptography;
using System.Text;
using Identity.Contracts.Passwords;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Identity.Grains.Passwords;

/// <summary>
/// Argon2id through libsodium (NSec). Measured on the 2-core reference machine: about 16 ms per
/// hash at m = 19 MiB, t = 2, against about 90 ms and 20 MB of garbage for the managed Konscious
/// implementation, so libsodium it is. Work runs on <see cref="HashingWorkers"/>.
/// Passwords are hashed as UTF-8 of their NFC form (RFC 8265 OpaqueString), in full, never truncated.
/// </summary>
internal sealed class Argon2idPasswordHasher : IPasswordHasher, IDisposable
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private readonly PasswordOptions _options;
    private readonly HashingWorkers _workers;
    private readonly Lazy<string> _decoyHash;

    public Argon2idPasswordHasher(IOptions<PasswordOptions> options, GridMetrics metrics)
    {
        _options = options.Value;
        _workers = new HashingWorkers(_options.EffectiveHashingThreads, _options.MaxQueuedHashes, metrics);
        // A hash of a random password at the current cost: verifying against it costs what a real check costs.
        _decoyHash = new Lazy<string>(() => Hash(RandomNumberGenerator.GetHexString(32)));
    }

    public Task<string> HashAsync(Password password) => _workers.RunAsync(() => Hash(password.Value));

    public Task<PasswordVerification> VerifyAsync(Password password, string encodedHash) =>
        _workers.RunAsync(() => Verify(password.Value, encodedHash));

    public Task SpendVerificationCostAsync(Password password) =>
        _workers.RunAsync(() => Verify(password.Value, _decoyHash.Value));

    public void Dispose() => _workers.Dispose();

    private string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, _options.MemoryKiB, _options.Iterations, HashBytes);
        return new Argon2idHash(_options.MemoryKiB, _options.Iterations, 1, salt, hash).Encode();
    }

    private PasswordVerification Verify(string password, string encodedHash)
    {
        // libsodium implements p = 1 only; anything else cannot have been written by us.
        if (!Argon2idHash.TryParse(encodedHash, out var stored) || stored.Parallelism != 1)
        {
            return new PasswordVerification(false, false);
        }

        var actual = Derive(password, stored.Salt, stored.MemoryKiB, stored.Iterations, stored.Hash.Length);
        var succeeded = CryptographicOperations.FixedTimeEquals(actual, stored.Hash);
        var weaker = stored.MemoryKiB < _options.MemoryKiB || stored.Iterations < _options.Iterations || stored.Hash.Length < HashBytes;
        return new PasswordVerification(succeeded, succeeded && weaker);
    }

    private static byte[] Derive(string password, byte[] salt, int memoryKiB, int iterations, int length)
    {
        var prepared = PasswordText.IsWellFormed(password) ? password.Normalize(NormalizationForm.FormC) : password;
        var bytes = Encoding.UTF8.GetBytes(prepared);
        try
        {
            var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
            {
                DegreeOfParallelism = 1,
                MemorySize = memoryKiB,
                NumberOfPasses = iterations,
            });
            return algorithm.DeriveBytes(bytes, salt, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
