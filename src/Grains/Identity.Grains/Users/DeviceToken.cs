using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Identity.Grains.Sessions;

namespace Identity.Grains.Users;

/// <summary>
/// Proof that a client has signed in to an account before: given with every successful login and
/// presented with the next one, so that failures from other sources cannot block it (see
/// <see cref="LoginThrottleOptions"/>). The text is <c>igd_</c> + base64url of
/// <c>format (1) | key id (1) | user id (16) | device id (16) | issued at, Unix ms (8) | authenticator (16)</c>;
/// the authenticator is the token key ring's HMAC-SHA-256 over a tag byte and everything before it.
/// Nothing is stored per device: the account trusts a token it signed for itself, issued since its
/// password last changed and within <see cref="LoginThrottleOptions.TrustedDeviceLifetime"/>.
/// </summary>
public readonly record struct DeviceToken(Guid UserId, Guid DeviceId, DateTimeOffset IssuedAt)
{
    public const string Prefix = "igd_";
    private const byte Format = 1;
    private const byte Tag = (byte)'d';
    private const int SignedBytes = 1 + 1 + 16 + 16 + 8;
    private const int PayloadBytes = SignedBytes + 16;
    private static readonly int TextLength = Prefix.Length + Base64Url.GetEncodedLength(PayloadBytes);

    /// <summary>The source key failures of this device are counted under.</summary>
    public string Source => $"device:{DeviceId:N}";

    /// <summary>Signs this device token with the active key.</summary>
    public string Write(TokenAuthenticator keys)
    {
        Span<byte> payload = stackalloc byte[PayloadBytes];
        WriteSigned(payload, keys.ActiveKeyId);
        Span<byte> input = stackalloc byte[1 + SignedBytes];
        input[0] = Tag;
        payload[..SignedBytes].CopyTo(input[1..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        keys.Sign(input, mac);
        mac[..16].CopyTo(payload[SignedBytes..]);
        return Prefix + Base64Url.EncodeToString(payload);
    }

    /// <summary>Reads a device token and checks its authenticator; false for anything else.</summary>
    public static bool TryRead(string? text, TokenAuthenticator keys, out DeviceToken token)
    {
        token = default;
        if (text is null || text.Length != TextLength || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> payload = stackalloc byte[PayloadBytes];
        if (Base64Url.DecodeFromChars(text.AsSpan(Prefix.Length), payload, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != PayloadBytes || payload[0] != Format)
        {
            return false;
        }

        Span<byte> input = stackalloc byte[1 + SignedBytes];
        input[0] = Tag;
        payload[..SignedBytes].CopyTo(input[1..]);
        if (!keys.Verify(payload[1], input, payload[SignedBytes..]))
        {
            return false;
        }

        var issuedAt = BinaryPrimitives.ReadInt64BigEndian(payload[34..SignedBytes]);
        if (issuedAt < 0 || issuedAt > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        token = new DeviceToken(new Guid(payload[2..18], bigEndian: true), new Guid(payload[18..34], bigEndian: true), DateTimeOffset.FromUnixTimeMilliseconds(issuedAt));
        return true;
    }

    private void WriteSigned(Span<byte> destination, byte keyId)
    {
        destination[0] = Format;
        destination[1] = keyId;
        UserId.TryWriteBytes(destination[2..18], bigEndian: true, out _);
        DeviceId.TryWriteBytes(destination[18..34], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(destination[34..SignedBytes], IssuedAt.ToUnixTimeMilliseconds());
    }

    public override string ToString() => $"[device {DeviceId:N} of {UserId}]";
}
