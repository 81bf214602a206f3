using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Identity.Testing;

/// <summary>Configuration of introspection clients (services, operators' tools) for a test host.</summary>
internal static class IntrospectionClients
{
    /// <summary>The settings that configure each <c>(id, secret)</c> as <c>Introspection:Clients:N</c>, secrets stored as SHA-256.</summary>
    public static Dictionary<string, string?> Settings(params (string Id, string Secret)[] clients)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < clients.Length; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"Introspection:Clients:{i}");
            settings[$"{at}:ClientId"] = clients[i].Id;
            settings[$"{at}:SecretSha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(clients[i].Secret)));
        }

        return settings;
    }

    /// <summary><paramref name="settings"/> with the clients' settings added.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, params (string Id, string Secret)[] clients)
    {
        foreach (var (key, value) in Settings(clients))
        {
            settings[key] = value;
        }

        return settings;
    }
}
