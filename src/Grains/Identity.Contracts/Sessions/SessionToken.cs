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
/// An opaque bearer token: a kind prefix, then base64url of the session id (16 bytes) followed by
/// 32 bytes (256 bits) from the CSPRNG. The session id routes the check to one grain; the grain
/// holds only the SHA-256 of the secret.
/// </summary>
public readonly struct SessionToken
{
    public const string AccessPrefix = "iga_";
    public const string RefreshPrefix = "igr_";
    private const int SessionIdBytes = 16;
    private const int SecretBytes = 32;
    private const int PayloadBytes = SessionIdBytes + SecretBytes;
    private static readonly int EncodedLength = Base64Url.GetEncodedLength(PayloadBytes);

    private SessionToken(Guid sessionId, TokenDigest digest)
    {
        SessionId = sessionId;
        Digest = digest;
    }

    public Guid SessionId { get; }

    public TokenDigest Digest { get; }

    /// <summary>Creates a new token for <paramref name="sessionId"/>: the text for the client and the digest to keep.</summary>
    public static (string Text, TokenDigest Digest) Issue(Guid sessionId, TokenKind kind)
    {
        Span<byte> payload = stackalloc byte[PayloadBytes];
        sessionId.TryWriteBytes(payload[..SessionIdBytes], bigEndian: true, out _);
        RandomNumberGenerator.Fill(payload[SessionIdBytes..]);
        var text = PrefixOf(kind) + Base64Url.EncodeToString(payload);
        var digest = TokenDigest.Of(payload[SessionIdBytes..]);
        CryptographicOperations.ZeroMemory(payload);
        return (text, digest);
    }

    /// <summary>Parses a token without allocating; false for anything that is not a well-formed token of <paramref name="kind"/>.</summary>
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
            || consumed != EncodedLength || written != PayloadBytes)
        {
            return false;
        }

        var sessionId = new Guid(payload[..SessionIdBytes], bigEndian: true);
        token = new SessionToken(sessionId, TokenDigest.Of(payload[SessionIdBytes..]));
        CryptographicOperations.ZeroMemory(payload);
        return sessionId != Guid.Empty;
    }

    private static string PrefixOf(TokenKind kind) => kind == TokenKind.Access ? AccessPrefix : RefreshPrefix;

    public override string ToString() => $"[{SessionId} token]";
}
