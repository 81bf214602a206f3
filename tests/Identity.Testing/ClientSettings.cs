using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Identity.Testing;

/// <summary>Configured machine clients for a test host: introspecting services and operators' tools, secrets stored as SHA-256.</summary>
internal static class ClientSettings
{
    /// <summary>Each <c>(id, secret)</c> as <c>Introspection:Clients:N</c>.</summary>
    public static Dictionary<string, string?> Introspection(params (string Id, string Secret)[] clients) => List("Introspection:Clients", clients);

    /// <summary>Each <c>(id, secret)</c> as an operator, <c>Admin:Operators:N</c>.</summary>
    public static Dictionary<string, string?> Operators(params (string Id, string Secret)[] operators) => List("Admin:Operators", operators);

    /// <summary><paramref name="settings"/> with <paramref name="more"/> added.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, Dictionary<string, string?> more)
    {
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Dictionary<string, string?> List(string prefix, (string Id, string Secret)[] clients)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < clients.Length; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{prefix}:{i}");
            settings[$"{at}:ClientId"] = clients[i].Id;
            settings[$"{at}:SecretSha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(clients[i].Secret)));
        }

        return settings;
    }
}
