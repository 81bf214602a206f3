using System.Text.Json.Serialization;
using Identity.Api.Authentication;
using Identity.Api.Errors;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.Sessions;
using Identity.Grains.Audit;
using Identity.Grains.Sessions;
using Identity.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Identity.Api.Features.Introspection;

/// <summary>
/// RFC 7662 token introspection response. Inactive tokens get only <c>{"active":false}</c>: nothing
/// about why. <c>aud</c> and <c>scope</c> are present when the sign-in asked for them, <c>client_id</c>
/// when an OAuth client got the token, <c>amr</c> (RFC 8176) how the user signed in. A service's token (client credentials) has its client id as
/// <c>sub</c> and <c>username</c>.
/// </summary>
public sealed record IntrospectionResponse(
    bool Active,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("sub")] string? Sub = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("sid")] string? Sid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("username")] string? Username = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("exp")] long? Exp = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("iat")] long? Iat = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("token_type")] string? TokenType = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("aud")] string? Aud = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("scope")] string? Scope = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("client_id")] string? ClientId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("amr")] IReadOnlyList<string>? Amr = null);

/// <summary>The form body of an introspection request (RFC 7662 §2.1), as the contract describes it; read from the form.</summary>
/// <param name="Token">The access token to check.</param>
/// <param name="TokenTypeHint">Optional; only <c>access_token</c> tokens are ever active here.</param>
/// <param name="ClientId">With <c>client_secret</c>: client authentication in the body (<c>client_secret_post</c>) instead of HTTP Basic.</param>
/// <param name="ClientSecret">The client's secret, with <c>client_id</c>.</param>
public sealed record IntrospectionForm(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("token_type_hint")] string? TokenTypeHint = null,
    [property: JsonPropertyName("client_id")] string? ClientId = null,
    [property: JsonPropertyName("client_secret")] string? ClientSecret = null);

/// <summary><c>POST /v1/introspect</c>: services ask whether an access token is active (RFC 7662).</summary>
internal static class IntrospectionApi
{
    private static readonly IntrospectionResponse Inactive = new(false);

    public static IEndpointRouteBuilder MapIntrospectionApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/introspect", IntrospectAsync)
            .WithoutTraceContext()
            .WithTags("Introspection")
            .WithName("Introspect")
            .WithSummary("RFC 7662 introspection of an access token. Callers authenticate as a configured client: HTTP Basic or client_secret_post.")
            .Accepts<IntrospectionForm>("application/x-www-form-urlencoded")
            .RequiresScheme(ContractSchemes.IntrospectionClient)
            .AnswersProblems(StatusCodes.Status400BadRequest, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests)
            .DisableAntiforgery();
        return routes;
    }

    private static async Task<Results<Ok<IntrospectionResponse>, ProblemHttpResult>> IntrospectAsync(
        HttpContext http, IOptions<IntrospectionOptions> options, SessionGrains sessions, TokenAuthenticator tokens, ClientRateLimits limits, ClientAuthenticationGate gate, SecurityEvents events)
    {
        // Read first: the client may authenticate in the body (client_secret_post). The body limit bounds it.
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        var client = gate.Authenticate(http, options.Value.Clients, form, "introspection", "identity-introspection", out var refused);
        if (client is null)
        {
            return refused!;
        }

        if (form is null)
        {
            return Problems.UnsupportedMediaType("Send the token as application/x-www-form-urlencoded: token=<access token>.");
        }

        if (form["token"].Count > 1)
        {
            return Problems.InvalidOAuthRequest("The form field 'token' must appear once.");
        }

        var token = form["token"].ToString();
        if (token.Length == 0)
        {
            return Problems.InvalidOAuthRequest("The form field 'token' is required.");
        }

        // A client whose questions keep naming dead or made-up tokens is fishing: it waits.
        var clientId = client.ClientId;
        if (!limits.HasInactiveAnswersLeft(clientId, out var retryAfter))
        {
            events.Throttled("InactiveIntrospections", null, http.GetClientContext());
            return Problems.TooManyInactiveIntrospections(http, retryAfter);
        }

        http.Response.Headers.CacheControl = "no-store";
        if (!tokens.TryRead(token, TokenKind.Access, out var parsed))
        {
            limits.RecordInactiveAnswer(clientId);
            return TypedResults.Ok(Inactive);
        }

        var view = await SafeRetry.ReadAsync(
            (Grain: sessions.Get(parsed.SessionId), parsed.Digest),
            static call => call.Grain.ValidateAccessTokenAsync(call.Digest),
            http.RequestAborted);
        if (view is null)
        {
            limits.RecordInactiveAnswer(clientId);
            return TypedResults.Ok(Inactive);
        }

        // A live token meant for another service is inactive to a client restricted to its audience
        // (not counted as fishing: the token was real).
        if (client.Audience is not null && !string.Equals(client.Audience, view.Audience, StringComparison.Ordinal))
        {
            return TypedResults.Ok(Inactive);
        }

        return TypedResults.Ok(new IntrospectionResponse(
            Active: true,
            Sub: view.Subject,
            Sid: view.SessionId.ToString(),
            Username: view.Username,
            Exp: view.AccessTokenExpiresAt.ToUnixTimeSeconds(),
            Iat: view.AccessTokenIssuedAt.ToUnixTimeSeconds(),
            TokenType: "Bearer",
            Aud: view.Audience,
            Scope: view.Scope,
            ClientId: view.ClientId,
            Amr: Identity.Contracts.Users.AuthenticationMethods.Values(view.Amr)));
    }
}
