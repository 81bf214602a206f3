using Identity.Grains.OAuth;
using Microsoft.Extensions.Options;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// Every API scope: those of configuration (<see cref="OpenIdConnectOptions.Scopes"/>) and those
/// operators registered through the admin API (<see cref="IProviderRegistryGrain"/>; a configured
/// name wins). Read from the registry grain's memory on each use.
/// </summary>
internal sealed class ScopeDirectory(IOptionsMonitor<OpenIdConnectOptions> options, IGrainFactory grains, ProviderKeyStatus keys)
{
    public async ValueTask<IReadOnlyList<(OpenIdConnectScope Scope, bool Registered)>> AllAsync()
    {
        var configured = options.CurrentValue.Scopes;
        var registered = keys.Shared ? await grains.GetGrain<IProviderRegistryGrain>(0).ListScopesAsync() : [];
        return
        [
            .. configured.Select(s => (s, false)),
            .. registered.Where(r => configured.TrueForAll(c => c.Name != r.Name))
                .Select(r => (new OpenIdConnectScope { Name = r.Name, DisplayName = r.DisplayName, Resources = [.. r.Resources] }, true)),
        ];
    }

    public async ValueTask<List<OpenIdConnectScope>> ScopesAsync() => [.. (await AllAsync()).Select(s => s.Scope)];

    /// <summary>The names a client may be allowed: the standard scopes and every API scope.</summary>
    public async ValueTask<HashSet<string>> KnownNamesAsync() =>
        [.. OpenIdConnectOptions.StandardScopes, .. (await AllAsync()).Select(s => s.Scope.Name)];
}
