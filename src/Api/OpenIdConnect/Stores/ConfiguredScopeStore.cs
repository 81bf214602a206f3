using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Identity.Api.OpenIdConnect.Stores;

/// <summary>OpenIddict's scope store over <see cref="OpenIdConnectOptions.Scopes"/> (read only, like the clients). The name is the id.</summary>
internal sealed class ConfiguredScopeStore(IOptionsMonitor<OpenIdConnectOptions> options) : IOpenIddictScopeStore<OpenIdConnectScope>
{
    private IEnumerable<OpenIdConnectScope> Scopes => options.CurrentValue.Scopes;

    private OpenIdConnectScope? Find(string name) => Scopes.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    public ValueTask<OpenIdConnectScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => ValueTask.FromResult(Find(identifier));

    public ValueTask<OpenIdConnectScope?> FindByNameAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult(Find(name));

    public IAsyncEnumerable<OpenIdConnectScope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken) =>
        Scopes.Where(s => names.Contains(s.Name, StringComparer.Ordinal)).ToAsyncEnumerable();

    public IAsyncEnumerable<OpenIdConnectScope> FindByResourceAsync(string resource, CancellationToken cancellationToken) =>
        Scopes.Where(s => s.Resources.Contains(resource, StringComparer.Ordinal)).ToAsyncEnumerable();

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => ValueTask.FromResult((long)options.CurrentValue.Scopes.Count);

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OpenIdConnectScope>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(query(Scopes.AsQueryable()).LongCount());

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OpenIdConnectScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        ValueTask.FromResult(query(Scopes.AsQueryable(), state).FirstOrDefault());

    public IAsyncEnumerable<OpenIdConnectScope> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        Scopes.Skip(offset ?? 0).Take(count ?? int.MaxValue).ToAsyncEnumerable();

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OpenIdConnectScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        query(Scopes.AsQueryable(), state).ToAsyncEnumerable();

    public ValueTask<string?> GetDescriptionAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => ValueTask.FromResult(scope.DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDescriptionsAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<string?> GetDisplayNameAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(scope.DisplayName ?? scope.Name);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<string?> GetIdAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(scope.Name);

    public ValueTask<string?> GetNameAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(scope.Name);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<ImmutableArray<string>> GetResourcesAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) =>
        ValueTask.FromResult(scope.Resources.ToImmutableArray());

    public ValueTask<OpenIdConnectScope> InstantiateAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new OpenIdConnectScope());

    public ValueTask CreateAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask DeleteAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask UpdateAsync(OpenIdConnectScope scope, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDescriptionAsync(OpenIdConnectScope scope, string? description, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDescriptionsAsync(OpenIdConnectScope scope, ImmutableDictionary<CultureInfo, string> descriptions, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDisplayNameAsync(OpenIdConnectScope scope, string? name, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDisplayNamesAsync(OpenIdConnectScope scope, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetNameAsync(OpenIdConnectScope scope, string? name, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPropertiesAsync(OpenIdConnectScope scope, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetResourcesAsync(OpenIdConnectScope scope, ImmutableArray<string> resources, CancellationToken cancellationToken) => throw ReadOnly();

    private static NotSupportedException ReadOnly([CallerMemberName] string? operation = null) =>
        new($"{operation}: scopes are registered in configuration ({OpenIdConnectOptions.Section}:Scopes), not through the server.");
}
