using System.Collections.Frozen;
using System.Security.Cryptography;
using Identity.Contracts.Sessions;
using Identity.Grains.Hosting.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Identity.Grains.Sessions;

/// <summary>
/// Issues session tokens and verifies their authenticator with the key ring of
/// <see cref="TokenKeyOptions"/>: HMAC-SHA-256 over the token's kind, header and secret digest,
/// truncated to 128 bits. One HMAC per check, on the caller's thread, no allocation.
/// </summary>
public sealed class TokenAuthenticator
{
    private readonly FrozenDictionary<byte, byte[]> keys;
    private readonly byte activeKeyId;

    public TokenAuthenticator(IOptions<TokenKeyOptions> options)
    {
        var ring = options.Value;
        keys = ring.Keys.ToFrozenDictionary(k => (byte)k.Id, k => Convert.FromBase64String(k.Secret));
        activeKeyId = (byte)(ring.ActiveKeyId ?? ring.Keys[0].Id);
    }

    /// <summary>A new token of <paramref name="kind"/> for the session's <paramref name="generation"/>: its text for the client and the digest to keep.</summary>
    public (string Text, TokenDigest Digest) Issue(Guid sessionId, TokenKind kind, uint generation)
    {
        Span<byte> secret = stackalloc byte[SessionToken.SecretBytes];
        RandomNumberGenerator.Fill(secret);
        var digest = TokenDigest.Of(secret);
        Span<byte> input = stackalloc byte[SessionToken.MacInputBytes];
        SessionToken.WriteMacInput(input, kind, activeKeyId, sessionId, generation, digest);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Sign(input, mac);
        var text = SessionToken.Write(kind, activeKeyId, sessionId, generation, secret, mac);
        CryptographicOperations.ZeroMemory(secret);
        return (text, digest);
    }

    /// <summary>Whether <paramref name="token"/> was issued with one of the keys in the ring.</summary>
    public bool Verify(in SessionToken token)
    {
        if (!keys.TryGetValue(token.KeyId, out var key))
        {
            return false;
        }

        Span<byte> input = stackalloc byte[SessionToken.MacInputBytes];
        token.WriteMacInput(input);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(token.KeyId, key, input, mac);
        return token.MacEquals(mac);
    }

    /// <summary>The id of the key <see cref="Sign"/> uses; values carry it so any node can pick the key to verify with.</summary>
    public byte ActiveKeyId => activeKeyId;

    /// <summary>
    /// Authenticates other server-issued values (device tokens) with the active key: writes the full
    /// HMAC-SHA-256 of <paramref name="input"/> to <paramref name="mac"/>. Each kind of value starts
    /// its input with its own tag byte, so no value verifies as another kind.
    /// </summary>
    public void Sign(ReadOnlySpan<byte> input, Span<byte> mac) => HMACSHA256.HashData(keys[activeKeyId], input, mac);

    /// <summary>Whether <paramref name="mac"/> (truncated to at least 16 bytes) is the authenticator of <paramref name="input"/> under key <paramref name="keyId"/>.</summary>
    public bool Verify(byte keyId, ReadOnlySpan<byte> input, ReadOnlySpan<byte> mac)
    {
        if (mac.Length is < SessionToken.MacBytes or > HMACSHA256.HashSizeInBytes || !keys.TryGetValue(keyId, out var key))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, input, expected);
        return CryptographicOperations.FixedTimeEquals(expected[..mac.Length], mac);
    }

    /// <summary>
    /// HMAC with a keyed instance kept per thread and key: the one-shot API builds a new MAC context
    /// for every call (1.26 µs against 0.58 µs reused, measured on the reference machine).
    /// </summary>
    private static void ComputeMac(byte keyId, byte[] key, ReadOnlySpan<byte> input, Span<byte> mac)
    {
        var macs = perThreadMacs ??= new IncrementalHash?[256];
        perThreadKeys ??= new byte[]?[256];
        var hmac = macs[keyId];
        if (hmac is null || !ReferenceEquals(perThreadKeys![keyId], key))
        {
            hmac?.Dispose();
            hmac = macs[keyId] = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            perThreadKeys![keyId] = key;
        }

        hmac.AppendData(input);
        hmac.GetHashAndReset(mac);
    }

    [ThreadStatic]
    private static IncrementalHash?[]? perThreadMacs;

    [ThreadStatic]
    private static byte[]?[]? perThreadKeys;

    /// <summary>Reads <paramref name="text"/> as a token of <paramref name="kind"/> and verifies its authenticator.</summary>
    public bool TryRead(ReadOnlySpan<char> text, TokenKind kind, out SessionToken token) =>
        SessionToken.TryParse(text, kind, out token) && Verify(token);
}

public static class TokenAuthenticatorRegistration
{
    /// <summary>The key ring (<see cref="TokenKeyOptions"/>, validated at start-up) and the <see cref="TokenAuthenticator"/>: for silos and Api nodes alike.</summary>
    public static IServiceCollection AddTokenAuthenticator(this IServiceCollection services)
    {
        services.AddValidatedOptions<TokenKeyOptions, TokenKeyOptionsValidator>(TokenKeyOptions.Section);
        services.TryAddSingleton<TokenAuthenticator>();
        return services;
    }
}
