using Identity.Api.Authentication;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Grains.Audit;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Identity.Api.Features.Users;

/// <param name="Email">Optional. A link and a code are mailed to it; once proven it is unique to the account, signs in and recovers it. Until then it does neither, and does not stop another account proving it first.</param>
public sealed record RegisterUserRequest(string? Username, string? Password, string? Email = null);

/// <param name="PendingEmail">The address given, waiting for its proof (mailed to it).</param>
public sealed record UserCreatedResponse(Guid UserId, string Username, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? PendingEmail = null);

/// <summary>The caller's account: its addresses and sign-in methods (never a secret).</summary>
/// <param name="Email">The verified address (signs in, receives notices and reset links).</param>
/// <param name="PendingEmail">An address waiting for its proof.</param>
/// <param name="SecondFactors">The second factors sign-ins ask for: <c>totp</c>, <c>recovery_code</c>; empty when none.</param>
/// <param name="Passkeys">The account's passkeys (id, name, when made and last used, whether synced between devices).</param>
public sealed record AccountResponse(Guid UserId, string Username, string? Email, string? PendingEmail, IReadOnlyList<string> SecondFactors, int RecoveryCodesLeft, DateTimeOffset PasswordChangedAt, IReadOnlyList<PasskeySummary> Passkeys);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <param name="Amr">How the session was signed in (RFC 8176 values: <c>pwd</c>, <c>otp</c>, <c>mfa</c>…).</param>
public sealed record SessionListItem(Guid SessionId, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? UserAgent, string? Ip, bool Current, IReadOnlyList<string> Amr);

public sealed record SessionListResponse(IReadOnlyList<SessionListItem> Sessions);

/// <summary>Accounts and what their owner manages: <c>/v1/users</c>.</summary>
internal static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/users").WithTags("Users").AllowBrowserOrigins();

        group.MapPost("/", RegisterAsync)
            .WithName("RegisterUser")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Create an account. Usernames (and emails) are unique after Unicode NFKC and case mapping.")
            .RequireRateLimit(RateLimitRule.Registration);

        var me = group.MapGroup("/me").RequireSession();
        me.MapGet("/", GetAccountAsync)
            .WithName("GetMyAccount")
            .WithSummary("The caller's account: addresses (verified and waiting) and second factors.");
        me.MapPut("/password", ChangePasswordAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.PasswordChange)
            .WithName("ChangePassword")
            .AnswersProblems(StatusCodes.Status403Forbidden)
            .WithSummary("Change the password; every other session of the account is revoked.");
        me.MapGet("/sessions", ListSessionsAsync)
            .WithName("ListMySessions")
            .WithSummary("The caller's live sessions.");
        me.MapDelete("/sessions/{sessionId}", RevokeSessionAsync)
            .RequireRateLimit(RateLimitRule.SessionRevocation)
            .WithName("RevokeMySession")
            .AnswersProblems(StatusCodes.Status404NotFound)
            .WithSummary("Revoke one of the caller's sessions.");
        me.MapDelete("/sessions", RevokeOtherSessionsAsync)
            .RequireRateLimit(RateLimitRule.SessionRevocation)
            .WithName("RevokeMyOtherSessions")
            .WithSummary("Revoke every session of the caller except the current one.");
        return routes;
    }

    private static async Task<Results<Created<UserCreatedResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterUserRequest request, IGrainFactory grains, AccountLinks links)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Username))
        {
            errors["username"] = ["Required."];
        }

        // Refused here, before the request reaches a grain or any hashing.
        if (PasswordText.FieldError(request.Password) is { } passwordError)
        {
            errors["password"] = [passwordError];
        }

        if (request.Email is { Length: 0 })
        {
            errors["email"] = ["Must not be empty; omit it instead."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var userId = Guid.CreateVersion7();
        var result = await grains.GetGrain<IUserGrain>(userId)
            .RegisterAsync(new Registration(request.Username!, request.Email, new Password(request.Password!)));
        return result switch
        {
            RegistrationResult.Registered registered => Created(registered, links),
            RegistrationResult.UsernameTaken => Problems.Conflict("username", "That username is already taken."),
            RegistrationResult.EmailTaken => Problems.Conflict("email", "That email address is already registered."),
            RegistrationResult.Invalid invalid => Problems.Validation(invalid.Errors.ToDictionary(e => e.Key, e => new[] { e.Value })),
            _ => throw new InvalidOperationException($"Unexpected registration result {result.GetType().Name}."),
        };
    }

    private static Created<UserCreatedResponse> Created(RegistrationResult.Registered registered, AccountLinks links)
    {
        if (registered.Verification is { } verification)
        {
            links.EmailVerification(verification, registered.Username);
        }

        return TypedResults.Created((string?)null, new UserCreatedResponse(registered.UserId, registered.Username, registered.Verification?.Address));
    }

    private static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> GetAccountAsync(CurrentSession session, IGrainFactory grains)
    {
        if (await grains.GetGrain<IUserGrain>(session.UserId).GetSecurityAsync() is not { } account)
        {
            return Problems.NotFound("The account no longer exists.");
        }

        return TypedResults.Ok(new AccountResponse(account.UserId, account.Username, account.Email, account.PendingEmail, account.SecondFactors, account.RecoveryCodesLeft, account.PasswordChangedAt, account.Passkeys ?? []));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, CurrentSession session, IGrainFactory grains, HttpContext http, SecurityEvents events)
    {
        var errors = new Dictionary<string, string[]>();
        if (PasswordText.FieldError(request.CurrentPassword) is { } currentPasswordError)
        {
            errors["currentPassword"] = [currentPasswordError];
        }

        if (PasswordText.FieldError(request.NewPassword) is { } newPasswordError)
        {
            errors["newPassword"] = [newPasswordError];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var result = await grains.GetGrain<IUserGrain>(session.UserId)
            .ChangePasswordAsync(new Password(request.CurrentPassword!), new Password(request.NewPassword!), session.SessionId);
        if (result is PasswordChangeResult.Changed changed)
        {
            events.PasswordChanged(session.UserId, session.SessionId, changed.SessionsEnded, http.GetClientContext());
            http.RequestServices.GetRequiredService<AccountNotices>().PasswordChanged(changed.Email, session.View.Username, http.GetClientContext());
        }
        else
        {
            events.PasswordChangeRefused(session.UserId, session.SessionId, result.GetType().Name, http.GetClientContext());
        }

        return result switch
        {
            PasswordChangeResult.Changed => TypedResults.NoContent(),
            PasswordChangeResult.InvalidNewPassword invalid => Problems.Validation("newPassword", invalid.Error),
            PasswordChangeResult.CurrentPasswordRejected => Problems.Forbidden("The current password is not correct, or the account is temporarily locked."),
            PasswordChangeResult.UnknownUser => Problems.Forbidden("The account no longer exists."),
            _ => throw new InvalidOperationException($"Unexpected password change result {result.GetType().Name}."),
        };
    }

    private static async Task<Ok<SessionListResponse>> ListSessionsAsync(CurrentSession session, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var sessions = await SafeRetry.ReadAsync(
            grains.GetGrain<IUserGrain>(session.UserId),
            static user => new ValueTask<IReadOnlyList<SessionSummary>>(user.ListSessionsAsync()),
            cancellationToken);
        return TypedResults.Ok(new SessionListResponse([.. sessions.Select(s => new SessionListItem(
            s.SessionId, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IpAddress, s.SessionId == session.SessionId, AuthenticationMethods.Values(s.Amr) ?? []))]));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(string sessionId, CurrentSession session, IGrainFactory grains)
    {
        if (!Guid.TryParse(sessionId, out var id) || !await grains.GetGrain<IUserGrain>(session.UserId).RevokeSessionAsync(id))
        {
            return Problems.NotFound("The caller has no session with that id.");
        }

        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RevokeOtherSessionsAsync(CurrentSession session, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(session.UserId).RevokeOtherSessionsAsync(session.SessionId);
        return TypedResults.NoContent();
    }
}
