using System.Globalization;

namespace Identity.Grains.Passwords;

/// <summary>
/// An Argon2id hash in the PHC string format:
/// <c>$argon2id$v=19$m=19456,t=2,p=1$&lt;salt&gt;$&lt;hash&gt;</c> (unpadded base64), the same text
/// libsodium, argon2-cffi and others read. Parameters travel with the hash so they can be raised later.
/// </summary>
internal sealed record Argon2idHash(int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash)
{
    private const string Prefix = "$argon2id$v=19$";

    public string Encode() =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}m={MemoryKiB},t={Iterations},p={Parallelism}${ToBase64(Salt)}${ToBase64(Hash)}");

    public static bool TryParse(string text, out Argon2idHash hash)
    {
        hash = null!;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[Prefix.Length..].Split('$');
        if (parts.Length != 3)
        {
            return false;
        }

        int m = 0, t = 0, p = 0;
        foreach (var parameter in parts[0].Split(','))
        {
            var pair = parameter.Split('=');
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            switch (pair[0])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
                default: return false;
            }
        }

        var salt = FromBase64(parts[1]);
        var bytes = FromBase64(parts[2]);
        if (m <= 0 || t <= 0 || p <= 0 || salt is null || bytes is null || bytes.Length == 0)
        {
            return false;
        }

        hash = new Argon2idHash(m, t, p, salt, bytes);
        return true;
    }

    private static string ToBase64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[]? FromBase64(string text)
    {
        var padded = text + new string('=', (4 - (text.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
