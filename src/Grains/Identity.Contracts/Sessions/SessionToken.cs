using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Identity.Contracts.Sessions;

/// <summary>The two kinds of bearer token a session issues; each has its own prefix.</summary>
public enum TokenKind
{
    Access,
    Refresh,
}

/// <summary>
/// An opaque bearer token: a kind prefix, then base64url of
/// <c>format (1) | key id (1) | session id (16) | generation (4) | secret (32) | authenticator (16)</c>.
/// The session id routes the check to one grain, which holds only the SHA-256 of the secret. The
/// generation counts the session's token pairs (1 for the first, +1 per refresh), so any refresh
/// token ever issued for a session is recognised when it comes back. The authenticator is a
/// server-keyed HMAC-SHA-256 (truncated to 128 bits) over everything before it, with the secret
/// replaced by its digest; the edge verifies it before any grain call, so a made-up token never
/// reaches the grid. This type only reads and writes the format: keys live with the issuer
/// (<c>Identity.Grains.Sessions.TokenAuthenticator</c>), and a service holding no key can still
/// route a token to its session grain.
/// </summary>
public readonly struct SessionToken
{
    public const string AccessPrefix = "iga_";
    public const string RefreshPrefix = "igr_";

    /// <summary>The format this build writes and reads; older tokens (without authenticator) are refused.</summary>
    public const byte Format = 1;

    /// <summary>Bytes of the authenticator kept in a token.</summary>
    public const int MacBytes = 16;

    /// <summary>Bytes the authenticator is computed over (<c>WriteMacInput</c>).</summary>
    public const int MacInputBytes = 1 + HeaderBytes + TokenDigest.Size;

    /// <summary>Bytes of the random secret.</summary>
    public const int SecretBytes = 32;

    private const int HeaderBytes = 1 + 1 + 16 + 4;
    private const int PayloadBytes = HeaderBytes + SecretBytes + MacBytes;
    private static readonly int EncodedLength = Base64Url.GetEncodedLength(PayloadBytes);

    private readonly ulong mac0;
    private readonly ulong mac1;

    private SessionToken(TokenKind kind, byte keyId, Guid sessionId, uint generation, TokenDigest digest, ReadOnlySpan<byte> mac)
    {
        Kind = kind;
        KeyId = keyId;
        SessionId = sessionId;
        Generation = generation;
        Digest = digest;
        mac0 = BinaryPrimitives.ReadUInt64LittleEndian(mac);
        mac1 = BinaryPrimitives.ReadUInt64LittleEndian(mac[8..]);
    }

    public TokenKind Kind { get; }

    /// <summary>Which server key authenticated the token.</summary>
    public byte KeyId { get; }

    public Guid SessionId { get; }

    /// <summary>Which token pair of its session this is: 1 for the login's, one more per refresh.</summary>
    public uint Generation { get; }

    /// <summary>SHA-256 of the secret: what the session grain compares.</summary>
    public TokenDigest Digest { get; }

    /// <summary>Writes a token's text from its parts; <paramref name="mac"/> must come from <c>WriteMacInput</c>'s bytes.</summary>
    public static string Write(TokenKind kind, byte keyId, Guid sessionId, uint generation, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> mac)
    {
        Span<byte> payload = stackalloc byte[PayloadBytes];
        WriteHeader(payload, keyId, sessionId, generation);
        secret[..SecretBytes].CopyTo(payload[HeaderBytes..]);
        mac[..MacBytes].CopyTo(payload[(HeaderBytes + SecretBytes)..]);
        var text = PrefixOf(kind) + Base64Url.EncodeToString(payload);
        CryptographicOperations.ZeroMemory(payload);
        return text;
    }

    /// <summary>
    /// The bytes a token's authenticator covers: its kind, header (format, key id, session id,
    /// generation) and the digest of its secret.
    /// </summary>
    public static void WriteMacInput(Span<byte> destination, TokenKind kind, byte keyId, Guid sessionId, uint generation, in TokenDigest digest)
    {
        destination[0] = (byte)(kind == TokenKind.Access ? 'a' : 'r');
        WriteHeader(destination[1..], keyId, sessionId, generation);
        digest.WriteTo(destination[(1 + HeaderBytes)..]);
    }

    /// <summary>This token's authenticator input (see <see cref="WriteMacInput(Span{byte}, TokenKind, byte, Guid, uint, in TokenDigest)"/>).</summary>
    public void WriteMacInput(Span<byte> destination) => WriteMacInput(destination, Kind, KeyId, SessionId, Generation, Digest);

    /// <summary>Constant-time comparison of the token's authenticator with <paramref name="expected"/>.</summary>
    public bool MacEquals(ReadOnlySpan<byte> expected)
    {
        Span<ulong> mine = [mac0, mac1];
        return expected.Length >= MacBytes
            && CryptographicOperations.FixedTimeEquals(System.Runtime.InteropServices.MemoryMarshal.AsBytes(mine), expected[..MacBytes]);
    }

    /// <summary>
    /// Reads a token without allocating; false for anything that is not a well-formed token of
    /// <paramref name="kind"/> in the current format. Says nothing of its authenticator.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, TokenKind kind, out SessionToken token)
    {
        token = default;
        var prefix = PrefixOf(kind);
        if (text.Length != prefix.Length + EncodedLength || !text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> payload = stackalloc byte[PayloadBytes];
        if (Base64Url.DecodeFromChars(text[prefix.Length..], payload, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != EncodedLength || written != PayloadBytes || payload[0] != Format)
        {
            return false;
        }

        var sessionId = new Guid(payload[2..18], bigEndian: true);
        var generation = BinaryPrimitives.ReadUInt32BigEndian(payload[18..HeaderBytes]);
        var digest = TokenDigest.Of(payload[HeaderBytes..(HeaderBytes + SecretBytes)]);
        token = new SessionToken(kind, payload[1], sessionId, generation, digest, payload[(HeaderBytes + SecretBytes)..]);
        CryptographicOperations.ZeroMemory(payload);
        return sessionId != Guid.Empty && generation > 0;
    }

    private static void WriteHeader(Span<byte> destination, byte keyId, Guid sessionId, uint generation)
    {
        destination[0] = Format;
        destination[1] = keyId;
        sessionId.TryWriteBytes(destination[2..18], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(destination[18..HeaderBytes], generation);
    }

    private static string PrefixOf(TokenKind kind) => kind == TokenKind.Access ? AccessPrefix : RefreshPrefix;

    public override string ToString() => $"[{SessionId} token]";
}
