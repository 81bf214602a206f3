using System.Text.Json.Serialization;
using Identity.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Serialization;

namespace Identity.Grains.OAuth;

/// <summary>
/// An OpenID Connect client registered by an operator through the admin API (clients can also be
/// registered in configuration). The secret is only ever its SHA-256.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.RegisteredClient")]
public sealed record RegisteredClient(
    [property: Id(0), JsonPropertyName("clientId")] string ClientId,
    [property: Id(1), JsonPropertyName("secretSha256")] string? SecretSha256,
    [property: Id(2), JsonPropertyName("displayName")] string? DisplayName,
    [property: Id(3), JsonPropertyName("redirectUris")] IReadOnlyList<string> RedirectUris,
    [property: Id(4), JsonPropertyName("postLogoutRedirectUris")] IReadOnlyList<string> PostLogoutRedirectUris,
    [property: Id(5), JsonPropertyName("grantTypes")] IReadOnlyList<string> GrantTypes,
    [property: Id(6), JsonPropertyName("scopes")] IReadOnlyList<string> Scopes,
    [property: Id(7), JsonPropertyName("firstParty")] bool FirstParty,
    [property: Id(8), JsonPropertyName("jwtAccessTokens")] bool JwtAccessTokens,
    [property: Id(9), JsonPropertyName("registeredAt")] DateTimeOffset RegisteredAt,
    [property: Id(10), JsonPropertyName("registeredBy")] string RegisteredBy)
{
    public override string ToString() => $"RegisteredClient {{ ClientId = {ClientId}, secret redacted }}";
}

/// <summary>An API scope registered by an operator through the admin API (scopes can also be configured).</summary>
[GenerateSerializer, Immutable, Alias("identity.RegisteredScope")]
public sealed record RegisteredScope(
    [property: Id(0), JsonPropertyName("name")] string Name,
    [property: Id(1), JsonPropertyName("displayName")] string? DisplayName,
    [property: Id(2), JsonPropertyName("resources")] IReadOnlyList<string> Resources,
    [property: Id(3), JsonPropertyName("registeredAt")] DateTimeOffset RegisteredAt,
    [property: Id(4), JsonPropertyName("registeredBy")] string RegisteredBy);

/// <summary>
/// The OpenID Connect clients and API scopes operators registered (one grain, key 0: a few
/// thousand entries at most, read from memory).
/// </summary>
[Alias("identity.IProviderRegistryGrain")]
public interface IProviderRegistryGrain : IGrainWithIntegerKey
{
    [ReadOnly, Alias("List")]
    Task<IReadOnlyList<RegisteredClient>> ListAsync();

    [ReadOnly, Alias("Find")]
    Task<RegisteredClient?> FindAsync(string clientId);

    /// <summary>Adds the client; false when its id is already registered.</summary>
    [Alias("Register")]
    Task<bool> RegisterAsync(RegisteredClient client);

    /// <summary>Removes the client; false when there was none of that id.</summary>
    [Alias("Remove")]
    Task<bool> RemoveAsync(string clientId);

    [ReadOnly, Alias("ListScopes")]
    Task<IReadOnlyList<RegisteredScope>> ListScopesAsync();

    /// <summary>Adds the scope; false when its name is already registered.</summary>
    [Alias("RegisterScope")]
    Task<bool> RegisterScopeAsync(RegisteredScope scope);

    /// <summary>Removes the scope; false when there was none of that name.</summary>
    [Alias("RemoveScope")]
    Task<bool> RemoveScopeAsync(string name);
}

/// <summary>The stored shape of <see cref="ProviderRegistryGrain"/>.</summary>
[GenerateSerializer, Alias("identity.ProviderRegistryState")]
public sealed class ProviderRegistryState
{
    [Id(0), JsonPropertyName("clients")] public List<RegisteredClient> Clients { get; set; } = [];

    [Id(1), JsonPropertyName("scopes")] public List<RegisteredScope> Scopes { get; set; } = [];
}

/// <summary>See <see cref="IProviderRegistryGrain"/>.</summary>
public sealed class ProviderRegistryGrain(
    [PersistentState(IdentityStorage.ProviderRegistryState, IdentityStorage.ProviderName)] IPersistentState<ProviderRegistryState> state,
    DeepCopier<ProviderRegistryState> copier,
    ILogger<ProviderRegistryGrain> logger) : Grain, IProviderRegistryGrain
{
    public Task<IReadOnlyList<RegisteredClient>> ListAsync() => Task.FromResult<IReadOnlyList<RegisteredClient>>(state.State.Clients);

    public Task<RegisteredClient?> FindAsync(string clientId) =>
        Task.FromResult(state.State.Clients.Find(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal)));

    public Task<bool> RegisterAsync(RegisteredClient client) => ChangeAsync(registry => AddIfNew(registry.Clients, client, static c => c.ClientId));

    public Task<bool> RemoveAsync(string clientId) => ChangeAsync(registry => registry.Clients.RemoveAll(c => c.ClientId == clientId) > 0);

    public Task<IReadOnlyList<RegisteredScope>> ListScopesAsync() => Task.FromResult<IReadOnlyList<RegisteredScope>>(state.State.Scopes);

    public Task<bool> RegisterScopeAsync(RegisteredScope scope) => ChangeAsync(registry => AddIfNew(registry.Scopes, scope, static s => s.Name));

    public Task<bool> RemoveScopeAsync(string name) => ChangeAsync(registry => registry.Scopes.RemoveAll(s => s.Name == name) > 0);

    /// <summary>Applies <paramref name="change"/>; writes when it changed something (false: nothing to write), else memory stays as it was.</summary>
    private async Task<bool> ChangeAsync(Func<ProviderRegistryState, bool> change)
    {
        using var write = state.BeginChange(copier, this, logger);
        if (!change(state.State))
        {
            return false;
        }

        await write.CommitAsync();
        return true;
    }

    private static bool AddIfNew<T>(List<T> list, T item, Func<T, string> key)
    {
        if (list.Exists(existing => key(existing) == key(item)))
        {
            return false;
        }

        list.Add(item);
        return true;
    }
}
