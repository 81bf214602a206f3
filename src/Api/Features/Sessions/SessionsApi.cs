using System.Text.Json.Serialization;
using Identity.Api.Authentication;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Features.Introspection;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Audit;
using Identity.Grains.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Identity.Api.Features.Sessions;

/// <param name="DeviceToken">The <c>deviceToken</c> the previous login of this client returned, if any: with it, other clients' failed logins on the account do not block this one.</param>
/// <param name="Audience">The service the tokens are for (introspection answers <c>aud</c>; a service restricted to its audience sees only its tokens). Omit for tokens any service may check.</param>
/// <param name="Scope">Space-separated scopes the tokens carry (introspection answers <c>scope</c>), for the services that read them.</param>
public sealed record LoginRequest(string? Username, string? Password, string? DeviceToken = null, string? Audience = null, string? Scope = null)
{
    public override string ToString() => $"LoginRequest {{ Username = {Username}, secrets redacted }}";
}

public sealed record RefreshRequest(string? RefreshToken);

/// <param name="DeviceToken">Login only: keep it for this client and send it with its next login.</param>
/// <param name="PasswordChangeRequired">Login only, present when true: an operator asked for a new password; change it (<c>PUT /v1/users/me/password</c>).</param>
public sealed record TokenResponse(
    Guid SessionId,
    string AccessToken,
    string RefreshToken,
    string TokenType,
    long ExpiresIn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceToken = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool PasswordChangeRequired = false)
{
    public override string ToString() => $"TokenResponse {{ SessionId = {SessionId}, secrets redacted }}";

    internal static TokenResponse From(IssuedTokens tokens, string? deviceToken = null, bool passwordChangeRequired = false) => new(
        tokens.SessionId,
        tokens.AccessToken,
        tokens.RefreshToken,
        "Bearer",
        (long)(tokens.AccessTokenExpiresAt - tokens.IssuedAt).TotalSeconds,
        deviceToken,
        passwordChangeRequired);
}

/// <param name="Audience">Present when the sign-in asked for one.</param>
/// <param name="Scope">Present when the sign-in asked for scopes.</param>
public sealed record CurrentSessionResponse(
    Guid SessionId,
    Guid UserId,
    string Username,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset AccessTokenExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Audience = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null);

/// <summary>Signing in, checking, refreshing and ending a session: <c>/v1/sessions</c>.</summary>
internal static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/sessions").WithTags("Sessions").AllowBrowserOrigins();

        group.MapPost("/", LoginAsync)
            .WithName("Login")
            .AnswersProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("Sign in with username (or email) and password; returns an access and a refresh token.")
            .RequireRateLimit(RateLimitRule.Login);

        group.MapPost("/refresh", RefreshAsync)
            .WithName("RefreshSession")
            .AnswersProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests)
            .WithSummary("Exchange a refresh token for a new token pair. Re-presenting a rotated refresh token ends the session.");

        var current = group.MapGroup("/current").RequireSession();
        current.MapGet("/", GetCurrent)
            .WithoutTraceContext()
            .WithName("GetCurrentSession")
            .WithSummary("Validate the bearer token and describe its session.");
        current.MapDelete("/", LogoutAsync)
            .RequireRateLimit(RateLimitRule.SessionRevocation)
            .WithName("Logout")
            .WithSummary("End the current session: its access and refresh token stop working at once.");
        return routes;
    }

    internal static async Task<Results<Created<TokenResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, IGrainFactory grains, SecurityEvents events, IOptions<IntrospectionOptions> clients)
    {
        var errors = new Dictionary<string, string[]>();
        var grant = TokenGrants.Read(request.Audience, request.Scope, clients.Value, errors);
        if (string.IsNullOrEmpty(request.Username))
        {
            errors["username"] = ["Required."];
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["Required."];
        }
        else if (PasswordText.CountCharacters(request.Password) > Password.MaxLength)
        {
            errors["password"] = [$"The password must be at most {Password.MaxLength} characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // A name that cannot be normalized cannot belong to any account.
        if (!LoginName.TryGetLoginKey(request.Username!, out var key))
        {
            events.LoginFailed(null, LoginRejection.UnknownUser, http.GetClientContext());
            return Problems.InvalidCredentials();
        }

        var result = await grains.GetGrain<ILoginNameGrain>(key).LoginAsync(new Password(request.Password!), http.GetClientContext(), request.DeviceToken, grant);
        if (result is not LoginResult.Succeeded success)
        {
            return Problems.InvalidCredentials();
        }

        if (success.NewDevice)
        {
            http.RequestServices.GetRequiredService<AccountNotices>().NewDeviceSignIn(success.Email, request.Username!, http.GetClientContext());
        }

        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created((string?)null, TokenResponse.From(success.Tokens, success.DeviceToken, success.PasswordChangeRequired));
    }

    internal static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, HttpContext http, SessionGrains sessions, TokenAuthenticator tokens, FailedTokenChecks failures, SecurityEvents events)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return Problems.Validation("refreshToken", "Required.");
        }

        if (!tokens.TryRead(request.RefreshToken, TokenKind.Refresh, out var token))
        {
            return Problems.InvalidRefreshToken();
        }

        if (failures.IsExhausted(token.SessionId, out var retryAfter))
        {
            events.Throttled("FailedTokenChecks", token.SessionId, http.GetClientContext());
            return Problems.TooManyFailedTokenChecks(http, retryAfter);
        }

        if (!RateLimits.TryAdmit(http, RateLimitRule.Refresh, token.SessionId, out var refusal))
        {
            return (ProblemHttpResult)refusal;
        }

        var result = await sessions.Get(token.SessionId).RefreshAsync(token.Digest, token.Generation, http.GetClientContext());
        if (result is not RefreshResult.Rotated rotated)
        {
            failures.Record(token.SessionId);
            return Problems.InvalidRefreshToken();
        }

        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(TokenResponse.From(rotated.Tokens));
    }

    private static Ok<CurrentSessionResponse> GetCurrent(CurrentSession session)
    {
        var view = session.View;
        return TypedResults.Ok(new CurrentSessionResponse(view.SessionId, view.UserId, view.Username, view.CreatedAt, view.ExpiresAt, view.AccessTokenExpiresAt, view.Audience, view.Scope));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> LogoutAsync(CurrentSession session, SessionGrains sessions, HttpContext http, SecurityEvents events)
    {
        // Authentication validated the token; the grain checks it again so that validating and
        // ending are one atomic step (a concurrent logout or revocation wins cleanly).
        if (!await sessions.Get(session.SessionId).LogoutAsync(session.AccessDigest))
        {
            return Problems.InvalidAccessToken(http);
        }

        events.Logout(session.UserId, session.SessionId, http.GetClientContext());
        return TypedResults.NoContent();
    }
}
