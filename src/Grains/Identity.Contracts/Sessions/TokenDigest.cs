using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Identity.Contracts.Sessions;

/// <summary>
/// SHA-256 of a token secret. Only this is ever stored or sent to a grain; the secret itself stays
/// with the client. A value type of four words so the validation path allocates nothing for it.
/// It has no equality operators on purpose: compare with <see cref="FixedTimeEquals"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.TokenDigest")]
[JsonConverter(typeof(TokenDigestJsonConverter))]
public readonly struct TokenDigest
{
    public const int Size = 32;

    [Id(0)] public ulong Word0 { get; init; }
    [Id(1)] public ulong Word1 { get; init; }
    [Id(2)] public ulong Word2 { get; init; }
    [Id(3)] public ulong Word3 { get; init; }

    /// <summary>True for the default value, which never matches a real secret.</summary>
    public bool IsEmpty => (Word0 | Word1 | Word2 | Word3) == 0;

    public static TokenDigest Of(ReadOnlySpan<byte> secret)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(secret, hash);
        return FromBytes(hash);
    }

    public static TokenDigest FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A token digest is {Size} bytes.", nameof(bytes));
        }

        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        return new TokenDigest { Word0 = words[0], Word1 = words[1], Word2 = words[2], Word3 = words[3] };
    }

    /// <summary>Constant-time comparison; an empty digest matches nothing.</summary>
    public bool FixedTimeEquals(in TokenDigest other)
    {
        Span<ulong> left = [Word0, Word1, Word2, Word3];
        Span<ulong> right = [other.Word0, other.Word1, other.Word2, other.Word3];
        var equal = CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(left), MemoryMarshal.AsBytes(right));
        return equal && !IsEmpty;
    }

    public void WriteTo(Span<byte> destination)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(destination[..Size]);
        words[0] = Word0;
        words[1] = Word1;
        words[2] = Word2;
        words[3] = Word3;
    }

    public override string ToString() => "[token digest]";
}

/// <summary>Persists a digest as base64 text.</summary>
public sealed class TokenDigestJsonConverter : JsonConverter<TokenDigest>
{
    public override TokenDigest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var bytes = reader.GetBytesFromBase64();
        if (bytes.Length != TokenDigest.Size)
        {
            throw new JsonException($"A token digest is {TokenDigest.Size} bytes.");
        }

        return TokenDigest.FromBytes(bytes);
    }

    public override void Write(Utf8JsonWriter writer, TokenDigest value, JsonSerializerOptions options)
    {
        Span<byte> bytes = stackalloc byte[TokenDigest.Size];
        value.WriteTo(bytes);
        writer.WriteBase64StringValue(bytes);
    }
}
