using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Identity.Grains.Users;

/// <summary>
/// Digests of the one-time secrets an account hands out. Link and challenge secrets are 256 random
/// bits, so a plain SHA-256 cannot be reversed. A short code (6–8 digits) could be found from its
/// digest by trying them all: it is salted against precomputed tables, but what protects it is its
/// short life and the few attempts allowed — the digest only keeps it unreadable at rest.
/// </summary>
internal static class OneTimeSecrets
{
    public static string Digest(string secret) => Digest(string.Empty, secret);

    public static string Digest(string salt, string secret) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(salt + ":" + secret)));

    /// <summary>Whether <paramref name="candidate"/> is the secret behind <paramref name="digest"/>, in time independent of where they differ.</summary>
    public static bool Matches(string? digest, string salt, string candidate) =>
        digest is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(digest), Encoding.ASCII.GetBytes(Digest(salt, candidate)));

    public static string NewSalt() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>A uniformly random code of <paramref name="digits"/> decimal digits (leading zeros kept).</summary>
    public static string NewDigits(int digits) =>
        RandomNumberGenerator.GetInt32(0, (int)Math.Pow(10, digits)).ToString(new string('0', digits), CultureInfo.InvariantCulture);

    /// <summary>A code as typed: spaces and dashes dropped, upper case.</summary>
    public static string Canonical(string typed) =>
        string.Concat(typed.Where(c => c is not (' ' or '-' or '\t'))).ToUpperInvariant();
}
