using System.Buffers.Text;
using System.Security.Cryptography;

namespace Identity.Contracts.Users;

/// <summary>
/// The one-time secrets the account hands out in mail or to a half-finished sign-in: a prefix naming
/// the kind (so one kind is never accepted as another), then Base64Url of the user id (16 bytes,
/// to find the account with no lookup) and 32 random bytes (256 bits). The account keeps only a
/// digest of the secret part.
/// </summary>
public static class AccountTicket
{
    /// <summary>An email verification link.</summary>
    public const string EmailVerification = "igv_";

    /// <summary>A password-reset link.</summary>
    public const string PasswordReset = "igp_";

    /// <summary>A sign-in waiting for its second factor.</summary>
    public const string SecondFactor = "igm_";

    public const int SecretBytes = 32;
    private const int PayloadBytes = 16 + SecretBytes;
    private static readonly int TextLength = Base64Url.GetEncodedLength(PayloadBytes);

    /// <summary>A new ticket of <paramref name="kind"/> for <paramref name="userId"/>: its text to hand out, and its secret part (Base64Url) to digest and keep.</summary>
    public static (string Text, string Secret) Issue(string kind, Guid userId)
    {
        Span<byte> payload = stackalloc byte[PayloadBytes];
        userId.TryWriteBytes(payload[..16]);
        RandomNumberGenerator.Fill(payload[16..]);
        var text = kind + Base64Url.EncodeToString(payload);
        var secret = Base64Url.EncodeToString(payload[16..]);
        CryptographicOperations.ZeroMemory(payload);
        return (text, secret);
    }

    /// <summary>Reads a ticket of <paramref name="kind"/>; false for anything else (another kind, a wrong length, not Base64Url).</summary>
    public static bool TryRead(string? text, string kind, out Guid userId, out string secret)
    {
        userId = Guid.Empty;
        secret = string.Empty;
        if (text is null || text.Length != kind.Length + TextLength || !text.StartsWith(kind, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> payload = stackalloc byte[PayloadBytes];
        if (Base64Url.DecodeFromChars(text.AsSpan(kind.Length), payload, out _, out var written) != System.Buffers.OperationStatus.Done || written != PayloadBytes)
        {
            return false;
        }

        userId = new Guid(payload[..16]);
        secret = Base64Url.EncodeToString(payload[16..]);
        return userId != Guid.Empty;
    }
}
