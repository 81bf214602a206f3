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

/// <summary>The second step of a sign-in: the ticket <c>POST /v1/sessions</c> answered with, and one second factor.</summary>
/// <param name="Ticket">The <c>secondFactorTicket</c> of the 202 answer.</param>
/// <param name="Code">A 6-digit code from the authenticator app.</param>
/// <param name="RecoveryCode">Or one of the account's recovery codes (each works once).</param>
/// <param name="Passkey">Or a passkey: the browser's credential (<c>PublicKeyCredential.toJSON()</c>) for the options of <c>POST /v1/sessions/second-factor/passkey-options</c>.</param>
public sealed record SecondFactorRequest(string? Ticket, string? Code = null, string? RecoveryCode = null, System.Text.Json.JsonElement? Passkey = null)
{
    public override string ToString() => "SecondFactorRequest { secrets redacted }";
}

/// <summary>The password was right and the account has a second factor: send it with the ticket to <c>POST /v1/sessions/second-factor</c>.</summary>
/// <param name="Methods">What the account accepts: <c>totp</c>, <c>recovery_code</c>.</param>
/// <param name="ExpiresIn">Seconds the ticket works (after that, or a few wrong codes, sign in again).</param>
public sealed record SecondFactorChallengeResponse(string SecondFactorTicket, IReadOnlyList<string> Methods, long ExpiresIn)
{
    public override string ToString() => "SecondFactorChallengeResponse { ticket redacted }";
}

/// <summary>Proving again who one is, within a session: the password, and a second factor when the account has one.</summary>
/// <param name="Passkey">Or a passkey's credential, for the options of <c>POST /v1/sessions/current/passkey-options</c>.</param>
public sealed record ReauthenticateRequest(string? Password, string? Code = null, string? RecoveryCode = null, System.Text.Json.JsonElement? Passkey = null)
{
    public override string ToString() => "ReauthenticateRequest { secrets redacted }";
}

/// <param name="Amr">How the session is now authenticated (RFC 8176 values).</param>
public sealed record ReauthenticationResponse(DateTimeOffset AuthenticatedAt, IReadOnlyList<string> Amr);

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
/// <param name="Amr">How the user signed in (RFC 8176: <c>pwd</c>, <c>otp</c>, <c>mfa</c>…).</param>
/// <param name="AuthenticatedAt">When the user last proved who they are in this session (sign-in or re-authentication): changes to the password, email or factors need it recent.</param>
public sealed record CurrentSessionResponse(
    Guid SessionId,
    Guid UserId,
    string Username,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset AccessTokenExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Audience = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Amr = null,
    DateTimeOffset? AuthenticatedAt = null);

/// <summary>Signing in, checking, refreshing and ending a session: <c>/v1/sessions</c>.</summary>
internal static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/sessions").WithTags("Sessions").AllowBrowserOrigins();

        group.MapPost("/", LoginAsync)
            .WithName("Login")
            .AnswersProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("Sign in with username (or verified email) and password; returns an access and a refresh token, or 202 with a ticket when the account has a second factor.")
            .RequireRateLimit(RateLimitRule.Login);

        group.MapPost("/second-factor", CompleteSignInAsync)
            .WithName("CompleteSignIn")
            .AnswersProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("Complete a sign-in that answered 202: its ticket and a code from the authenticator app (or a recovery code).")
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
        current.MapPost("/reauthenticate", ReauthenticateAsync)
            .RequireRateLimit(RateLimitRule.PasswordChange)
            .WithName("Reauthenticate")
            .AnswersProblems(StatusCodes.Status403Forbidden)
            .WithSummary("Prove again who you are (password, and second factor if any): for the next few minutes the session may change the password, email and factors.");
        current.MapDelete("/", LogoutAsync)
            .RequireRateLimit(RateLimitRule.SessionRevocation)
            .WithName("Logout")
            .WithSummary("End the current session: its access and refresh token stop working at once.");
        return routes;
    }

    internal static async Task<Results<Created<TokenResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, IGrainFactory grains, SecurityEvents events, IOptions<IntrospectionOptions> clients)
    {
        var errors = new Dictionary<string, string[]>();
        var grant = TokenGrants.Read(request.Audience, request.Scope, clients.Value, errors);
        if (string.IsNullOrEmpty(request.Username))
        {
            errors["username"] = ["Required."];
        }

        if (PasswordText.FieldError(request.Password) is { } passwordError)
        {
            errors["password"] = [passwordError];
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
        return AnswerSignIn(result, http, Problems.InvalidCredentials);
    }

    /// <summary>The answer to either step of a sign-in: tokens, a second-factor challenge, or the one refusal (the owner told when it locked the account).</summary>
    internal static Results<Created<TokenResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult> AnswerSignIn(
        LoginResult result, HttpContext http, Func<ProblemHttpResult> refusal)
    {
        var notices = http.RequestServices.GetRequiredService<AccountNotices>();
        switch (result)
        {
            case LoginResult.Succeeded success:
                if (success.NewDevice)
                {
                    notices.NewDeviceSignIn(success.Email, success.Username ?? string.Empty, http.GetClientContext());
                }

                http.Response.Headers.CacheControl = "no-store";
                return TypedResults.Created((string?)null, TokenResponse.From(success.Tokens, success.DeviceToken, success.PasswordChangeRequired));
            case LoginResult.SecondFactorRequired challenge:
                http.Response.Headers.CacheControl = "no-store";
                var expiresIn = (long)(challenge.ExpiresAt - http.RequestServices.GetRequiredKeyedService<TimeProvider>(Identity.Grains.Hosting.IdentityClock.Key).GetUtcNow()).TotalSeconds;
                return TypedResults.Accepted((string?)null, new SecondFactorChallengeResponse(challenge.Ticket, challenge.Methods, expiresIn));
            case LoginResult.Rejected { LockedNoticeTo: { } email }:
                notices.AccountLocked(email);
                return refusal();
            default:
                return refusal();
        }
    }

    internal static async Task<Results<Created<TokenResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult>> CompleteSignInAsync(
        SecondFactorRequest request, HttpContext http, IGrainFactory grains, SecurityEvents events)
    {
        var errors = SecondFactorErrors(request.Code, request.RecoveryCode, request.Passkey, out var proof);
        if (string.IsNullOrEmpty(request.Ticket))
        {
            errors["ticket"] = ["Required: the secondFactorTicket of the sign-in's 202 answer."];
        }

        if (errors.Count > 0 || proof is null)
        {
            return Problems.Validation(errors);
        }

        if (!AccountTicket.TryRead(request.Ticket, AccountTicket.SecondFactor, out var userId, out var secret))
        {
            events.LoginFailed(null, LoginRejection.SecondFactorFailed, http.GetClientContext());
            return Problems.SecondFactorRejected();
        }

        var result = await grains.GetGrain<IUserGrain>(userId).CompleteSignInAsync(secret, proof, http.GetClientContext());
        return AnswerSignIn(result, http, Problems.SecondFactorRejected);
    }

    /// <summary>Exactly one of <paramref name="code"/>, <paramref name="recoveryCode"/> and <paramref name="passkey"/>, read as a proof; else the errors.</summary>
    internal static Dictionary<string, string[]> SecondFactorErrors(string? code, string? recoveryCode, System.Text.Json.JsonElement? passkey, out SecondFactorProof? proof)
    {
        proof = null;
        var errors = new Dictionary<string, string[]>();
        var given = (string.IsNullOrEmpty(code) ? 0 : 1) + (string.IsNullOrEmpty(recoveryCode) ? 0 : 1) + (passkey is { ValueKind: System.Text.Json.JsonValueKind.Object } ? 1 : 0);
        if (given != 1)
        {
            errors["code"] = ["Send one of code (6 digits from the authenticator app), passkey (the browser's credential) or recoveryCode."];
        }
        else if (passkey is { } credential)
        {
            proof = new SecondFactorProof(SecondFactorKind.Passkey, credential.GetRawText());
        }
        else if ((code ?? recoveryCode)!.Length > 64)
        {
            errors[code is null ? "recoveryCode" : "code"] = ["Too long to be a code."];
        }
        else
        {
            proof = code is { Length: > 0 } ? new SecondFactorProof(SecondFactorKind.Totp, code) : new SecondFactorProof(SecondFactorKind.RecoveryCode, recoveryCode!);
        }

        return errors;
    }

    internal static async Task<Results<Ok<ReauthenticationResponse>, ValidationProblem, ProblemHttpResult>> ReauthenticateAsync(
        ReauthenticateRequest request, CurrentSession session, IGrainFactory grains)
    {
        if (PasswordText.FieldError(request.Password) is { } passwordError)
        {
            return Problems.Validation("password", passwordError);
        }

        SecondFactorProof? proof = null;
        if (request.Code is { Length: > 0 } || request.RecoveryCode is { Length: > 0 } || request.Passkey is not null)
        {
            var errors = SecondFactorErrors(request.Code, request.RecoveryCode, request.Passkey, out proof);
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
        }

        var result = await grains.GetGrain<IUserGrain>(session.UserId).ReauthenticateAsync(session.SessionId, new Password(request.Password!), proof);
        return result switch
        {
            ReauthenticationResult.Done done => TypedResults.Ok(new ReauthenticationResponse(done.AuthenticatedAt, AuthenticationMethods.Values(done.Amr)!)),
            ReauthenticationResult.SecondFactorRequired => Problems.Validation("code", "This account has a second factor: send code (from the authenticator app), passkey or recoveryCode with the password."),
            _ => Problems.Forbidden("The password or code is not correct, or attempts are blocked for a while."),
        };
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
        return TypedResults.Ok(new CurrentSessionResponse(
            view.SessionId, view.UserId, view.Username, view.CreatedAt, view.ExpiresAt, view.AccessTokenExpiresAt, view.Audience, view.Scope, AuthenticationMethods.Values(view.Amr), view.IsService ? null : view.AuthenticatedAt));
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
