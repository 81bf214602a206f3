using Identity.Api.Grid;
using Identity.Api.OpenIdConnect.Stores;
using Identity.Api.Pages;
using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Identity.Grains.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// The grid as an OpenID Provider, on OpenIddict: discovery, JWKS, authorization (code + PKCE
/// S256), token (code exchange and refresh), user info, revocation (RFC 7009) and end-session.
/// Clients and scopes come from configuration (<see cref="OpenIdConnectOptions"/>), codes live in
/// token-store grains, and access and refresh tokens are grid sessions (<see cref="GridSessionTokens"/>),
/// so introspection stays <c>/v1/introspect</c> and every check stays in memory.
/// </summary>
internal static class OpenIdConnectServer
{
    /// <summary>Paths OpenIddict and the hosted pages answer: only these run the authentication middleware.</summary>
    private static readonly string[] ProviderPaths = ["/.well-known", "/connect", "/account"];

    public static WebApplicationBuilder AddOpenIdConnectProvider(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.BindValidated<OpenIdConnectOptions, OpenIdConnectOptionsValidator>(OpenIdConnectOptions.Section);
        builder.Services.AddValidatedOptions<OpenIdConnectOptions, OpenIdConnectOptionsValidator>(OpenIdConnectOptions.Section);
        var sessions = builder.Configuration.GetSection(Identity.Grains.Sessions.SessionOptions.Section).Get<Identity.Grains.Sessions.SessionOptions>() ?? new Identity.Grains.Sessions.SessionOptions();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var coHosted = (builder.Configuration.GetSection(GridAccessOptions.Section).Get<GridAccessOptions>() ?? new GridAccessOptions()).Mode == GridAccessMode.CoHosted;

        builder.Services.AddHostedPages(sessions.AbsoluteLifetime, options.DataProtectionKeysDirectory);
        builder.Services.AddSingleton<ClientDirectory>();
        builder.Services.AddSingleton<ScopeDirectory>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        // Codes, ID tokens and the grid's sessions expire by one clock: the grid's.
        builder.Services.AddOptions<OpenIddictServerOptions>()
            .Configure<IServiceProvider>((server, services) => server.TimeProvider = services.GetRequiredKeyedService<TimeProvider>(IdentityClock.Key));
        builder.Services.AddOpenIddict()
            .AddCore(core => core
                .SetDefaultApplicationEntity<OpenIdConnectClient>()
                .SetDefaultScopeEntity<OpenIdConnectScope>()
                .SetDefaultTokenEntity<GridTokenEntry>()
                .ReplaceApplicationStore<OpenIdConnectClient, ApplicationStore>(ServiceLifetime.Singleton)
                .ReplaceApplicationManager<OpenIdConnectClient, GridApplicationManager>()
                .ReplaceScopeStore<OpenIdConnectScope, ScopeStore>(ServiceLifetime.Singleton)
                .ReplaceTokenStore<GridTokenEntry, GridTokenStore>(ServiceLifetime.Singleton))
            .AddServer(server =>
            {
                if (options.Issuer is { } issuer)
                {
                    server.SetIssuer(issuer);
                }

                server.SetAuthorizationEndpointUris(ProviderEndpoints.AuthorizePath)
                    .SetTokenEndpointUris(ProviderEndpoints.TokenPath)
                    .SetUserInfoEndpointUris(ProviderEndpoints.UserInfoPath)
                    .SetEndSessionEndpointUris(ProviderEndpoints.EndSessionPath)
                    .SetRevocationEndpointUris(ProviderEndpoints.RevocationPath)
                    .SetDeviceAuthorizationEndpointUris(ProviderEndpoints.DevicePath)
                    .SetEndUserVerificationEndpointUris(ProviderEndpoints.VerifyPath);
                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    .RequireProofKeyForCodeExchange();
                server.RegisterScopes([.. OpenIdConnectOptions.StandardScopes]);
                server.RegisterClaims(Claims.Subject, Claims.PreferredUsername, Claims.Email, Claims.EmailVerified, "sid", Claims.AuthenticationTime, Claims.AuthenticationMethodReference);

                // The grid session is the authorization: no separate authorization records to keep in step.
                server.DisableAuthorizationStorage();
                // Only clients with AccessTokenFormat=Jwt get OpenIddict access tokens, and they validate them offline: signed, not encrypted.
                server.DisableAccessTokenEncryption();
                // A refresh token is used once: the grid rotates it, and an earlier one ends the session.
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                server.SetIdentityTokenLifetime(options.IdentityTokenLifetime)
                    .SetAuthorizationCodeLifetime(options.AuthorizationCodeLifetime)
                    .SetDeviceCodeLifetime(options.DeviceCodeLifetime)
                    .SetUserCodeLifetime(options.DeviceCodeLifetime)
                    .SetAccessTokenLifetime(sessions.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(sessions.AbsoluteLifetime);
                server.Configure(o =>
                {
                    // OAuth 2.1: S256 only; "plain" would let a stolen code be redeemed.
                    o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
                    // Clients authenticate with a secret (or none): no client registers a key set.
                    o.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.PrivateKeyJwt);
                    // One account per browser sign-in: there is no account to select.
                    o.PromptValues.Remove(PromptValues.SelectAccount);
                });
                builder.Services.AddSingleton(new ProviderKeyStatus(server.AddProviderKeys(options, mayMakeOwn: coHosted, ephemeral: storage.Mode == StorageMode.Memory)));
                server.AddGridSessionTokens();
                server.AddEventHandler(DescribeGridEndpoints.Descriptor);
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    // Errors the browser cannot be sent back with become a page, not a text/plain dump.
                    .EnableErrorPassthrough()
                    // TLS ends at the load balancer in most deployments, and the default run is plain
                    // HTTP on localhost; the grid's own cookies are Secure either way.
                    .DisableTransportSecurityRequirement();
            });
        return builder;
    }

    public static WebApplication UseOpenIdConnectProvider(this WebApplication app)
    {
        // Only the provider's paths pay for the authentication middleware: the token check does not.
        app.UseWhen(IsProviderPath, branch => branch.Use(ProviderEndpoints.ThrottleCodeEntryAsync).UseAuthentication());
        // UseWhen's branch keeps its own copy of the builder's properties, so WebApplication cannot
        // see the call above and would add UseAuthentication() to the whole pipeline — where
        // OpenIddict's request handler then inspects every request: three times the allocations and
        // a third more CPU per token check (bench/ab.sh). This is the key UseAuthentication() sets.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        return app;
    }

    /// <summary>ASP.NET Core's marker of an application that placed its authentication middleware itself (<c>AuthAppBuilderExtensions</c>).</summary>
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    /// <summary>A loop, not LINQ: every request (token checks too) passes here, and a closure per request is an allocation per request.</summary>
    private static bool IsProviderPath(HttpContext http)
    {
        foreach (var path in ProviderPaths)
        {
            if (http.Request.Path.StartsWithSegments(path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static IEndpointRouteBuilder MapOpenIdConnectProvider(this IEndpointRouteBuilder routes)
    {
        routes.MapHostedPages();
        routes.MapProviderEndpoints();
        return routes;
    }

    /// <summary>
    /// What discovery learns from the grid: its RFC 7662 endpoint (<c>/v1/introspect</c>, for the
    /// clients of <c>Introspection:Clients</c> — the provider's access tokens are grid session
    /// tokens, checked there) and the API scopes of <see cref="OpenIdConnectOptions.Scopes"/>.
    /// </summary>
    internal sealed class DescribeGridEndpoints(ScopeDirectory scopes) : IOpenIddictServerHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.HandleConfigurationRequestContext>()
            .UseScopedHandler<DescribeGridEndpoints>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachClientAuthenticationMethods.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(OpenIddictServerEvents.HandleConfigurationRequestContext context)
        {
            if (context.BaseUri is { } root)
            {
                context.IntrospectionEndpoint = new Uri(root, "v1/introspect");
                context.IntrospectionEndpointAuthenticationMethods.Clear();
                context.IntrospectionEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.ClientSecretBasic);
                context.IntrospectionEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.ClientSecretPost);
            }

            context.Scopes.UnionWith((await scopes.ScopesAsync()).Select(s => s.Name));
        }
    }
}
