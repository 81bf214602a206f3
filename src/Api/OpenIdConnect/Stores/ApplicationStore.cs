using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.OpenIdConnect.Stores;

/// <summary>
/// OpenIddict's application store over the <see cref="ClientDirectory"/>: clients of configuration
/// (read on every lookup, so a reload applies to the next request) and of the admin API (the
/// registry grain). The server never writes an application: operators register clients through
/// <c>/admin/v1/clients</c>, or in configuration. The client id is the application's id.
/// </summary>
internal sealed class ApplicationStore(ClientDirectory directory) : IOpenIddictApplicationStore<OpenIdConnectClient>
{
    private async IAsyncEnumerable<OpenIdConnectClient> ClientsAsync()
    {
        foreach (var (client, _) in await directory.AllAsync())
        {
            yield return client;
        }
    }

    private async ValueTask<IQueryable<OpenIdConnectClient>> QueryableAsync() => (await directory.AllAsync()).Select(c => c.Client).AsQueryable();

    public ValueTask<OpenIdConnectClient?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => directory.FindAsync(identifier);

    public ValueTask<OpenIdConnectClient?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken) => directory.FindAsync(identifier);

    public IAsyncEnumerable<OpenIdConnectClient> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        ClientsAsync().Where(c => c.PostLogoutRedirectUris.Contains(uri, StringComparer.Ordinal));

    public IAsyncEnumerable<OpenIdConnectClient> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        ClientsAsync().Where(c => c.RedirectUris.Contains(uri, StringComparer.Ordinal));

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) => (await directory.AllAsync()).Count;

    public async ValueTask<long> CountAsync<TResult>(Func<IQueryable<OpenIdConnectClient>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        query(await QueryableAsync()).LongCount();

    public async ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OpenIdConnectClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        query(await QueryableAsync(), state).FirstOrDefault();

    public IAsyncEnumerable<OpenIdConnectClient> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        ClientsAsync().Skip(offset ?? 0).Take(count ?? int.MaxValue);

    public async IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OpenIdConnectClient>, TState, IQueryable<TResult>> query, TState state, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var result in query(await QueryableAsync(), state))
        {
            yield return result;
        }
    }

    public ValueTask<string?> GetApplicationTypeAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(application.IsConfidential ? ApplicationTypes.Web : ApplicationTypes.Native);

    public ValueTask<string?> GetClientIdAsync(OpenIdConnectClient application, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(application.ClientId);

    /// <summary>The configured SHA-256; <see cref="GridApplicationManager"/> compares presented secrets with it.</summary>
    public ValueTask<string?> GetClientSecretAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(application.IsConfidential ? application.SecretSha256 : null);

    public ValueTask<string?> GetClientTypeAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(application.IsConfidential ? ClientTypes.Confidential : ClientTypes.Public);

    public ValueTask<string?> GetConsentTypeAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(application.FirstParty ? ConsentTypes.Implicit : ConsentTypes.Explicit);

    public ValueTask<string?> GetDisplayNameAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(application.DisplayName ?? application.ClientId);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<string?> GetIdAsync(OpenIdConnectClient application, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(application.ClientId);

    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(OpenIdConnectClient application, CancellationToken cancellationToken) => ValueTask.FromResult<JsonWebKeySet?>(null);

    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(PermissionsOf(application));

    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(application.PostLogoutRedirectUris.ToImmutableArray());

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(application.RedirectUris.ToImmutableArray());

    /// <summary>PKCE for everyone who uses codes (OAuth 2.1); the server refuses <c>plain</c> as a method.</summary>
    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableArray.Create(Requirements.Features.ProofKeyForCodeExchange));

    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(OpenIdConnectClient application, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableDictionary<string, string>.Empty);

    public ValueTask<OpenIdConnectClient> InstantiateAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new OpenIdConnectClient());

    internal static ImmutableArray<string> PermissionsOf(OpenIdConnectClient client)
    {
        var permissions = ImmutableArray.CreateBuilder<string>();
        permissions.Add(Permissions.Endpoints.Token);
        permissions.Add(Permissions.Endpoints.Revocation);
        foreach (var grant in client.GrantTypes)
        {
            permissions.Add(Permissions.Prefixes.GrantType + grant);
        }

        if (client.GrantTypes.Contains(GrantTypes.AuthorizationCode, StringComparer.Ordinal))
        {
            permissions.Add(Permissions.Endpoints.Authorization);
            permissions.Add(Permissions.Endpoints.EndSession);
            permissions.Add(Permissions.ResponseTypes.Code);
        }

        if (client.GrantTypes.Contains(GrantTypes.DeviceCode, StringComparer.Ordinal))
        {
            permissions.Add(Permissions.Endpoints.DeviceAuthorization);
        }

        foreach (var scope in client.Scopes)
        {
            permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        return permissions.ToImmutable();
    }

    // Registration is configuration's: the server never writes an application.
    public ValueTask CreateAsync(OpenIdConnectClient application, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask DeleteAsync(OpenIdConnectClient application, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask UpdateAsync(OpenIdConnectClient application, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetApplicationTypeAsync(OpenIdConnectClient application, string? type, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetClientIdAsync(OpenIdConnectClient application, string? identifier, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetClientSecretAsync(OpenIdConnectClient application, string? secret, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetClientTypeAsync(OpenIdConnectClient application, string? type, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetConsentTypeAsync(OpenIdConnectClient application, string? type, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDisplayNameAsync(OpenIdConnectClient application, string? name, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDisplayNamesAsync(OpenIdConnectClient application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetJsonWebKeySetAsync(OpenIdConnectClient application, JsonWebKeySet? set, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPermissionsAsync(OpenIdConnectClient application, ImmutableArray<string> permissions, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPostLogoutRedirectUrisAsync(OpenIdConnectClient application, ImmutableArray<string> uris, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPropertiesAsync(OpenIdConnectClient application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetRedirectUrisAsync(OpenIdConnectClient application, ImmutableArray<string> uris, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetRequirementsAsync(OpenIdConnectClient application, ImmutableArray<string> requirements, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetSettingsAsync(OpenIdConnectClient application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken) => throw ReadOnly();

    private static NotSupportedException ReadOnly([CallerMemberName] string? operation = null) =>
        new($"{operation}: OpenID Connect clients are registered in configuration ({OpenIdConnectOptions.Section}:Clients) or through /admin/v1/clients, not through the server.");
}
