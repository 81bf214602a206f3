using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.OpenIdConnect.Stores;

/// <summary>
/// OpenIddict's application store over <see cref="OpenIdConnectOptions.Clients"/>: clients are
/// registered in configuration, read on every lookup (a reload applies to the next request), and
/// never written by the server. The client id is the application's id.
/// </summary>
internal sealed class ConfiguredApplicationStore(IOptionsMonitor<OpenIdConnectOptions> options) : IOpenIddictApplicationStore<OpenIdConnectClient>
{
    private IEnumerable<OpenIdConnectClient> Clients => options.CurrentValue.Clients;

    public ValueTask<OpenIdConnectClient?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        ValueTask.FromResult(options.CurrentValue.FindClient(identifier));

    public ValueTask<OpenIdConnectClient?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken) =>
        ValueTask.FromResult(options.CurrentValue.FindClient(identifier));

    public IAsyncEnumerable<OpenIdConnectClient> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        Clients.Where(c => c.PostLogoutRedirectUris.Contains(uri, StringComparer.Ordinal)).ToAsyncEnumerable();

    public IAsyncEnumerable<OpenIdConnectClient> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        Clients.Where(c => c.RedirectUris.Contains(uri, StringComparer.Ordinal)).ToAsyncEnumerable();

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => ValueTask.FromResult((long)options.CurrentValue.Clients.Count);

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OpenIdConnectClient>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(query(Clients.AsQueryable()).LongCount());

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OpenIdConnectClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        ValueTask.FromResult(query(Clients.AsQueryable(), state).FirstOrDefault());

    public IAsyncEnumerable<OpenIdConnectClient> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        Clients.Skip(offset ?? 0).Take(count ?? int.MaxValue).ToAsyncEnumerable();

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OpenIdConnectClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        query(Clients.AsQueryable(), state).ToAsyncEnumerable();

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
        new($"{operation}: OpenID Connect clients are registered in configuration ({OpenIdConnectOptions.Section}:Clients), not through the server.");
}
