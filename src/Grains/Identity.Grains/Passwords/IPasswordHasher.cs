using Identity.Contracts.Passwords;

namespace Identity.Grains.Passwords;

/// <summary>Result of checking a password against a stored hash.</summary>
public readonly record struct PasswordVerification(bool Succeeded, bool NeedsRehash);

/// <summary>
/// Hashes and verifies passwords off the grain scheduler. Every call costs one full hash, whatever
/// the outcome, so that callers can make every login path take the same time.
/// </summary>
public interface IPasswordHasher
{
    /// <summary>A self-describing hash string (algorithm, parameters, salt, hash).</summary>
    Task<string> HashAsync(Password password);

    Task<PasswordVerification> VerifyAsync(Password password, string encodedHash);

    /// <summary>Spends the same work as a real verification and returns nothing: for unknown or locked accounts.</summary>
    Task SpendVerificationCostAsync(Password password);
}
