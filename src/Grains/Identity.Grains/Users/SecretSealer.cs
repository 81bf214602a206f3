using System.Buffers.Text;
using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Identity.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace Identity.Grains.Users;

/// <summary>
/// Keeps secrets the grid must read back (an authenticator app's shared key) encrypted at rest:
/// AES-256-GCM under a key derived (HKDF-SHA-256) from a key of the token key ring, bound to the
/// account (its id is the associated data, so a sealed value copied to another row does not open).
/// A sealed value names its key: any key of the ring opens it, and the grain seals it again under
/// the active key when it next uses it — so a retired token key must stay in the ring (inactive)
/// until every account that used the app since has been re-sealed (see README, key rotation).
/// </summary>
public sealed class SecretSealer
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("identity-grid/sealed-secret/v1");
    private readonly FrozenDictionary<int, byte[]> keys;
    private readonly int activeKeyId;

    public SecretSealer(IOptions<TokenKeyOptions> options)
    {
        var ring = options.Value;
        keys = ring.Keys.ToFrozenDictionary(
            k => k.Id,
            k => HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(k.Secret), 32, salt: [], info: Purpose));
        activeKeyId = ring.ActiveKeyId ?? ring.Keys[0].Id;
    }

    /// <summary>"keyId.Base64Url(nonce | ciphertext | tag)" of <paramref name="secret"/> for <paramref name="userId"/>.</summary>
    public string Seal(ReadOnlySpan<byte> secret, Guid userId)
    {
        var sealedBytes = new byte[NonceBytes + secret.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys[activeKeyId], TagBytes);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(NonceBytes, secret.Length), sealedBytes.AsSpan(NonceBytes + secret.Length), userId.ToByteArray());
        return $"{activeKeyId.ToString(CultureInfo.InvariantCulture)}.{Base64Url.EncodeToString(sealedBytes)}";
    }

    /// <summary>The secret, or null when its key is not in the ring or the value was altered or belongs to another account.</summary>
    public byte[]? Open(string sealedText, Guid userId)
    {
        var dot = sealedText.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !int.TryParse(sealedText.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var keyId)
            || !keys.TryGetValue(keyId, out var key))
        {
            return null;
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(sealedText.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            return null;
        }

        var secret = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, secret.Length), sealedBytes.AsSpan(NonceBytes + secret.Length), secret, userId.ToByteArray());
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="sealedText"/> is sealed under the active key (else it is sealed again when next used).</summary>
    public bool IsCurrent(string sealedText) =>
        sealedText.StartsWith(activeKeyId.ToString(CultureInfo.InvariantCulture) + ".", StringComparison.Ordinal);
}
