using Identity.Grains.OAuth;
using Microsoft.Extensions.Options;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// Every OpenID Connect client: those of configuration (<see cref="OpenIdConnectOptions.Clients"/>)
/// and those operators registered through the admin API (<see cref="IProviderRegistryGrain"/>).
/// Decisions (is this a client, what may it do) always ask the registry, an in-memory grain read,
/// so a removed client is refused at once; only the pages' Content-Security-Policy uses a copy of
/// the registered redirect origins, refreshed every few seconds.
/// </summary>
internal sealed class ClientDirectory(IOptionsMonitor<OpenIdConnectOptions> options, IGrainFactory grains, TimeProvider time, ProviderKeyStatus keys)
{
    /// <summary>Whether this node may serve (and register) clients of the admin API: its keys are the grid's.</summary>
    public bool ServesRegisteredClients => keys.Shared;

    private static readonly TimeSpan OriginsRefresh = TimeSpan.FromSeconds(5);
    private volatile string[] _registeredOrigins = [];
    private long _originsReadAt = long.MinValue;

    private IProviderRegistryGrain Registry => grains.GetGrain<IProviderRegistryGrain>(0);

    public async ValueTask<OpenIdConnectClient?> FindAsync(string clientId) =>
        options.CurrentValue.FindClient(clientId) ?? (keys.Shared ? ToClient(await Registry.FindAsync(clientId)) : null);

    /// <summary>Configuration's clients, then the registered ones (a configured id wins).</summary>
    public async ValueTask<IReadOnlyList<(OpenIdConnectClient Client, bool Registered)>> AllAsync()
    {
        var configured = options.CurrentValue.Clients;
        var registered = keys.Shared ? await Registry.ListAsync() : [];
        Remember(registered);
        return
        [
            .. configured.Select(c => (c, false)),
            .. registered.Where(r => configured.TrueForAll(c => c.ClientId != r.ClientId)).Select(r => (ToClient(r)!, true)),
        ];
    }

    /// <summary>The origins codes and sign-outs may be sent to: where the pages' forms may end up.</summary>
    public IEnumerable<string> RedirectOrigins()
    {
        if (keys.Shared && time.GetTimestamp() - Interlocked.Read(ref _originsReadAt) > OriginsRefresh.TotalSeconds * time.TimestampFrequency)
        {
            // Refreshed in the background: a page never waits for it; a just-registered client's origin appears within seconds.
            Interlocked.Exchange(ref _originsReadAt, time.GetTimestamp());
            _ = Task.Run(async () => Remember(await Registry.ListAsync()));
        }

        return options.CurrentValue.Clients
            .SelectMany(c => c.RedirectUris.Concat(c.PostLogoutRedirectUris))
            .Select(Origin)
            .OfType<string>()
            .Concat(_registeredOrigins)
            .Distinct(StringComparer.Ordinal);
    }

    private void Remember(IReadOnlyList<RegisteredClient> registered) =>
        _registeredOrigins = [.. registered.SelectMany(c => c.RedirectUris.Concat(c.PostLogoutRedirectUris)).Select(Origin).OfType<string>().Distinct(StringComparer.Ordinal)];

    private static string? Origin(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" ? parsed.GetLeftPart(UriPartial.Authority) : null;

    internal static OpenIdConnectClient? ToClient(RegisteredClient? registered) => registered is null ? null : new OpenIdConnectClient
    {
        ClientId = registered.ClientId,
        SecretSha256 = registered.SecretSha256,
        DisplayName = registered.DisplayName,
        RedirectUris = [.. registered.RedirectUris],
        PostLogoutRedirectUris = [.. registered.PostLogoutRedirectUris],
        GrantTypes = [.. registered.GrantTypes],
        Scopes = [.. registered.Scopes],
        FirstParty = registered.FirstParty,
        AccessTokenFormat = registered.JwtAccessTokens ? AccessTokenFormat.Jwt : AccessTokenFormat.Reference,
    };
}
