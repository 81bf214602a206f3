using System.Security.Cryptography;
using Identity.Api.Authentication;
using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Api.OpenApi;
using Identity.Api.OpenIdConnect;
using Identity.Contracts.Sessions;
using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.OAuth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Identity.Api.Features.Admin;

/// <summary>An OpenID Connect client to register.</summary>
/// <param name="ClientId">1 to 100 printable ASCII characters without spaces, quotes, backslashes or ':'.</param>
/// <param name="Confidential">A server-side client: the grid makes its secret and answers it once. Otherwise a public client (phone, desktop, TV, single-page app), which must use PKCE.</param>
/// <param name="GrantTypes">authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code.</param>
/// <param name="AccessTokenFormat">Reference (default) or Jwt (for resource servers that validate offline).</param>
public sealed record AdminClientRequest(
    string? ClientId,
    string? DisplayName = null,
    bool Confidential = false,
    IReadOnlyList<string>? RedirectUris = null,
    IReadOnlyList<string>? PostLogoutRedirectUris = null,
    IReadOnlyList<string>? GrantTypes = null,
    IReadOnlyList<string>? Scopes = null,
    bool FirstParty = false,
    string? AccessTokenFormat = null);

/// <summary>A client as the admin API shows it: never its secret. <c>source</c>: <c>configuration</c> or <c>admin</c>.</summary>
public sealed record AdminClientResponse(
    string ClientId,
    string? DisplayName,
    bool Confidential,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> Scopes,
    bool FirstParty,
    string AccessTokenFormat,
    string Source)
{
    internal static AdminClientResponse From(OpenIdConnectClient client, bool registered) => new(
        client.ClientId, client.DisplayName, client.IsConfidential, client.RedirectUris, client.PostLogoutRedirectUris,
        client.GrantTypes, client.Scopes, client.FirstParty, client.AccessTokenFormat.ToString(), registered ? "admin" : "configuration");
}

/// <summary>The registered client, and its secret: shown this once, stored only as its SHA-256.</summary>
public sealed record AdminClientCreatedResponse(AdminClientResponse Client, string? ClientSecret);

public sealed record AdminClientListResponse(IReadOnlyList<AdminClientResponse> Clients);

/// <summary>An API scope to register.</summary>
/// <param name="Name">A scope token: printable ASCII without spaces, quotes or backslashes; not a standard scope.</param>
/// <param name="DisplayName">How the consent page names it ("Read your invoices").</param>
/// <param name="Resources">The resource servers (audiences) its tokens are meant for.</param>
public sealed record AdminScopeRequest(string? Name, string? DisplayName = null, IReadOnlyList<string>? Resources = null);

/// <summary>An API scope; <c>source</c>: <c>configuration</c> or <c>admin</c>.</summary>
public sealed record AdminScopeResponse(string Name, string? DisplayName, IReadOnlyList<string> Resources, string Source);

public sealed record AdminScopeListResponse(IReadOnlyList<AdminScopeResponse> Scopes);

/// <summary>
/// The OpenID Provider's registrations: <c>/admin/v1/clients</c> — clients of configuration (read
/// only here) and those operators register and remove (removing one refuses its next request at
/// once and ends every session of it as a service) — and <c>/admin/v1/scopes</c>, API scopes alike.
/// </summary>
internal static class AdminOpenIdConnectApi
{
    public static IEndpointRouteBuilder MapAdminOpenIdConnectApi(this IEndpointRouteBuilder routes)
    {
        var clients = routes.MapGroup("/admin/v1/clients").WithTags("Admin").RequireOperator();
        clients.MapGet("/", ListAsync)
            .WithName("AdminListClients")
            .WithSummary("Every OpenID Connect client: configured and registered. Never a secret.");
        clients.MapPost("/", RegisterAsync)
            .WithName("AdminRegisterClient")
            .WithSummary("Register an OpenID Connect client; a confidential one gets a generated secret, answered once.")
            .AnswersProblems(StatusCodes.Status409Conflict);
        clients.MapDelete("/{clientId}", RemoveAsync)
            .WithName("AdminRemoveClient")
            .WithSummary("Remove a registered client: its next request is refused, and its service sessions end.")
            .AnswersProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

        var scopes = routes.MapGroup("/admin/v1/scopes").WithTags("Admin").RequireOperator();
        scopes.MapGet("/", ListScopesAsync)
            .WithName("AdminListScopes")
            .WithSummary("Every API scope: configured and registered.");
        scopes.MapPost("/", RegisterScopeAsync)
            .WithName("AdminRegisterScope")
            .WithSummary("Register an API scope clients may then be allowed.")
            .AnswersProblems(StatusCodes.Status409Conflict);
        scopes.MapDelete("/{name}", RemoveScopeAsync)
            .WithName("AdminRemoveScope")
            .WithSummary("Remove a registered scope: clients asking for it are refused from then on.")
            .AnswersProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return routes;
    }

    private static async Task<Ok<AdminScopeListResponse>> ListScopesAsync(ScopeDirectory directory) =>
        TypedResults.Ok(new AdminScopeListResponse([.. (await directory.AllAsync()).Select(s =>
            new AdminScopeResponse(s.Scope.Name, s.Scope.DisplayName, s.Scope.Resources, s.Registered ? "admin" : "configuration"))]));

    private static async Task<Results<Created<AdminScopeResponse>, ValidationProblem, ProblemHttpResult>> RegisterScopeAsync(
        AdminScopeRequest request, HttpContext http, ClientDirectory clients, ScopeDirectory directory, IGrainFactory grains, SecurityEvents events,
        [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
    {
        if (!clients.ServesRegisteredClients)
        {
            return KeysNotShared();
        }

        var errors = new Dictionary<string, string[]>();
        var name = request.Name ?? string.Empty;
        if (!TokenGrant.IsScopeToken(name) || name.Length > 100)
        {
            errors["name"] = ["A scope token: 1 to 100 printable ASCII characters without spaces, quotes or backslashes."];
        }

        var resources = request.Resources ?? [];
        if (resources.Any(r => !TokenGrant.IsScopeToken(r) || r.Length > 200))
        {
            errors["resources"] = ["Each resource (audience) is 1 to 200 printable ASCII characters without spaces, quotes or backslashes."];
        }

        if (request.DisplayName is { Length: > 100 })
        {
            errors["displayName"] = ["At most 100 characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if ((await directory.KnownNamesAsync()).Contains(name)
            || !await grains.GetGrain<IProviderRegistryGrain>(0).RegisterScopeAsync(new RegisteredScope(name, request.DisplayName, resources, time.GetUtcNow(), CurrentOperator.Of(http).Id)))
        {
            return Problems.Conflict("name", $"A scope '{name}' exists already (or is a standard scope).");
        }

        events.OperatorClientAction(CurrentOperator.Of(http).Id, "register-scope", name, http.GetClientContext());
        return TypedResults.Created($"/admin/v1/scopes/{Uri.EscapeDataString(name)}", new AdminScopeResponse(name, request.DisplayName, resources, "admin"));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveScopeAsync(
        string name, HttpContext http, IGrainFactory grains, IOptionsMonitor<OpenIdConnectOptions> options, SecurityEvents events)
    {
        if (options.CurrentValue.Scopes.Exists(s => s.Name == name) || OpenIdConnectOptions.StandardScopes.Contains(name))
        {
            return Problems.Conflict("name", $"'{name}' is configured ({OpenIdConnectOptions.Section}:Scopes) or standard: it cannot be removed here.");
        }

        if (!await grains.GetGrain<IProviderRegistryGrain>(0).RemoveScopeAsync(name))
        {
            return Problems.NotFound("No scope of that name was registered.");
        }

        events.OperatorClientAction(CurrentOperator.Of(http).Id, "remove-scope", name, http.GetClientContext());
        return TypedResults.NoContent();
    }

    private static async Task<Ok<AdminClientListResponse>> ListAsync(ClientDirectory directory) =>
        TypedResults.Ok(new AdminClientListResponse([.. (await directory.AllAsync()).Select(c => AdminClientResponse.From(c.Client, c.Registered))]));

    private static async Task<Results<Created<AdminClientCreatedResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        AdminClientRequest request, HttpContext http, ClientDirectory directory, ScopeDirectory scopes, IGrainFactory grains, SecurityEvents events,
        [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
    {
        if (!directory.ServesRegisteredClients)
        {
            return KeysNotShared();
        }

        var errors = new Dictionary<string, string[]>();
        var format = AccessTokenFormat.Reference;
        if (request.AccessTokenFormat is { } asked && !Enum.TryParse(asked, ignoreCase: true, out format))
        {
            errors["accessTokenFormat"] = ["Reference or Jwt."];
        }

        var secret = request.Confidential ? System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) : null;
        var client = new OpenIdConnectClient
        {
            ClientId = request.ClientId ?? string.Empty,
            SecretSha256 = secret is null ? null : Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret))),
            DisplayName = request.DisplayName,
            RedirectUris = [.. request.RedirectUris ?? []],
            PostLogoutRedirectUris = [.. request.PostLogoutRedirectUris ?? []],
            GrantTypes = [.. request.GrantTypes ?? []],
            Scopes = [.. request.Scopes ?? []],
            FirstParty = request.FirstParty,
            AccessTokenFormat = format,
        };
        OpenIdConnectOptionsValidator.CheckClient(client, await scopes.KnownNamesAsync(), string.Empty, (holds, key, problem) =>
        {
            if (!holds)
            {
                var field = char.ToLowerInvariant(key.TrimStart(':')[0]) + key.TrimStart(':')[1..];
                errors[field] = [.. errors.GetValueOrDefault(field) ?? [], problem];
            }
        });
        if (request.DisplayName is { Length: > 100 })
        {
            errors["displayName"] = ["At most 100 characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var registered = new RegisteredClient(
            client.ClientId, client.SecretSha256, client.DisplayName, client.RedirectUris, client.PostLogoutRedirectUris,
            client.GrantTypes, client.Scopes, client.FirstParty, format == AccessTokenFormat.Jwt,
            time.GetUtcNow(), CurrentOperator.Of(http).Id);
        if (await directory.FindAsync(client.ClientId) is not null || !await grains.GetGrain<IProviderRegistryGrain>(0).RegisterAsync(registered))
        {
            return Problems.Conflict("clientId", $"A client '{client.ClientId}' exists already.");
        }

        events.OperatorClientAction(CurrentOperator.Of(http).Id, "register-client", client.ClientId, http.GetClientContext());
        return TypedResults.Created($"/admin/v1/clients/{Uri.EscapeDataString(client.ClientId)}", new AdminClientCreatedResponse(AdminClientResponse.From(client, registered: true), secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string clientId, HttpContext http, IGrainFactory grains, IOptionsMonitor<OpenIdConnectOptions> options, SecurityEvents events)
    {
        if (options.CurrentValue.FindClient(clientId) is not null)
        {
            return Problems.Conflict("clientId", $"'{clientId}' is configured ({OpenIdConnectOptions.Section}:Clients): remove it from the configuration.");
        }

        if (!await grains.GetGrain<IProviderRegistryGrain>(0).RemoveAsync(clientId))
        {
            return Problems.NotFound("No client of that id was registered.");
        }

        await grains.GetGrain<IServiceClientGrain>(clientId).RevokeAllAsync();
        events.OperatorClientAction(CurrentOperator.Of(http).Id, "remove-client", clientId, http.GetClientContext());
        return TypedResults.NoContent();
    }

    /// <summary>Registrations are the grid's: a node signing with keys of its own would issue tokens other nodes cannot check.</summary>
    private static ProblemHttpResult KeysNotShared() => Problems.NotPossibleHere(
        $"This Api node signs with keys of its own: give every node the same {OpenIdConnectOptions.Section}:SigningKeyFiles and {OpenIdConnectOptions.Section}:EncryptionKey before registering clients or scopes.");
}
