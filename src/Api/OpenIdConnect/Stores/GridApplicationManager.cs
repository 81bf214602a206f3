using Identity.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace Identity.Api.OpenIdConnect.Stores;

/// <summary>
/// OpenIddict's application manager with the grid's secret format: configuration holds the hex
/// SHA-256 of each client secret, as for introspection clients (<see cref="ConfiguredClient"/>),
/// compared in constant time. (High-entropy generated secrets need no slow hash; OpenIddict's
/// default PBKDF2 format is for secrets people choose.)
/// </summary>
internal sealed class GridApplicationManager(
    IOpenIddictApplicationCache<OpenIdConnectClient> cache,
    ILogger<OpenIddictApplicationManager<OpenIdConnectClient>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIdConnectClient> store)
    : OpenIddictApplicationManager<OpenIdConnectClient>(cache, logger, options, store)
{
    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new ConfiguredClient { SecretSha256 = comparand }.Accepts(secret));
}
