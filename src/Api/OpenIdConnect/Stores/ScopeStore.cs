using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OpenIddict.Abstractions;

namespace Identity.Api.OpenIdConnect.Stores;

/// <summary>OpenIddict's scope store over the <see cref="ScopeDirectory"/> (configured and registered scopes; never written by the server). The name is the id.</summary>
internal sealed class ScopeStore(ScopeDirectory directory) : IOpenIddictScopeStore<OpenIdConnectScope>
{
    private async IAsyncEnumerable<OpenIdConnectScope> ScopesAsync()
    {
        foreach (var scope in await directory.ScopesAsync())
        {
            yield return scope;
        }
    }

    private async ValueTask<OpenIdConnectScope?> FindAsync(string name) =>
        (await directory.ScopesAsync()).Find(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    public ValueTask<OpenIdConnectScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => FindAsync(identifier);

    public ValueTask<OpenIdConnectScope?> FindByNameAsync(string name, CancellationToken cancellationToken) => FindAsync(name);

    public IAsyncEnumerable<OpenIdConnectScope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken) =>
        ScopesAsync().Where(s => names.Contains(s.Name, StringComparer.Ordinal));

    public IAsyncEnumerable<OpenIdConnectScope> FindByResourceAsync(string resource, CancellationToken cancellationToken) =>
        ScopesAsync().Where(s => s.Resources.Contains(resource, StringComparer.Ordinal));

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) => (await directory.ScopesAsync()).Count;

    public async ValueTask<long> CountAsync<TResult>(Func<IQueryable<OpenIdConnectScope>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        query((await directory.ScopesAsync()).AsQueryable()).LongCount();

    public async ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OpenIdConnectScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        query((await directory.ScopesAsync()).AsQueryable(), state).FirstOrDefault();

    public IAsyncEnumerable<OpenIdConnectScope> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        ScopesAsync().Skip(offset ?? 0).Take(count ?? int.MaxValue);

    public async IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OpenIdConnectScope>, TState, IQueryable<TResult>> query, TState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var result in query((await directory.ScopesAsync()).AsQueryable(), state))
        {
            yield return result;
        }
    }

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
        new($"{operation}: scopes are registered in configuration ({OpenIdConnectOptions.Section}:Scopes) or through /admin/v1/scopes, not through the server.");
}
