using Identity.Api.Authentication;
using Identity.Api.Errors;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.OpenApi;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Identity.Api.Features.Admin;

/// <summary>An account as the admin API shows it. Never a password hash, token or secret.</summary>
/// <param name="Email">The verified address.</param>
/// <param name="PendingEmail">An address given but not proven yet.</param>
/// <param name="SecondFactor">Whether signing in with the password also takes an authenticator code or a passkey.</param>
public sealed record AdminUserResponse(
    Guid UserId,
    string Username,
    string? Email,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt,
    DateTimeOffset PasswordChangedAt,
    bool PasswordChangeRequired,
    int SessionCount,
    AdminLockoutResponse Lockout,
    string? PendingEmail,
    bool SecondFactor,
    int RecoveryCodesLeft)
{
    internal static AdminUserResponse From(UserProfile user) => new(
        user.UserId,
        user.Username,
        user.Email,
        user.Disabled ? "disabled" : "active",
        user.CreatedAt,
        user.LastLoginAt,
        user.PasswordChangedAt,
        user.PasswordChangeRequired,
        user.SessionCount,
        new AdminLockoutResponse(
            user.LoginThrottle.AccountBlockedUntil,
            user.LoginThrottle.AccountFailures,
            user.LoginThrottle.AccountBlocks,
            user.LoginThrottle.SourceFailures.Count),
        user.PendingEmail,
        user.SecondFactor,
        user.RecoveryCodesLeft);
}

/// <param name="BlockedUntil">Until when clients without a device token are refused (the account ceiling was reached); null when not blocked.</param>
/// <param name="Failures">Failed logins toward the account ceiling.</param>
/// <param name="Blocks">Account blocks since the last successful login.</param>
/// <param name="ThrottledSources">Sources (addresses, devices) with recent failures.</param>
public sealed record AdminLockoutResponse(DateTimeOffset? BlockedUntil, int Failures, int Blocks, int ThrottledSources);

public sealed record AdminSessionResponse(Guid SessionId, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? UserAgent, string? Ip);

public sealed record AdminSessionListResponse(IReadOnlyList<AdminSessionResponse> Sessions);

public sealed record AdminSessionsEndedResponse(int Ended);

/// <summary>
/// The operators' surface, <c>/admin/v1</c>: find an account, disable and enable it, unlock it,
/// require a new password, list and end its sessions, erase it. Every endpoint requires operator
/// credentials (<see cref="OperatorAuthentication"/>); every change is a security event naming the
/// operator. Account ids in paths that do not parse are simply not found.
/// </summary>
internal static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/admin/v1").WithTags("Admin").RequireOperator();
        // Every admin endpoint names an account that may not exist.
        var users = admin.MapGroup("/users").AnswersProblems(StatusCodes.Status404NotFound);

        users.MapGet("/", FindAsync)
            .WithName("AdminFindUser")
            .WithSummary("Find an account by username or email (exactly one of the two query parameters).");
        users.MapGet("/{userId}", GetAsync)
            .WithName("AdminGetUser")
            .WithSummary("An account: status, creation, last login, lockout state, session count.");
        MapChange(users, "disable", "AdminDisableUser", "Refuse the account's logins and end every session of it at once.", user => user.DisableAsync());
        MapChange(users, "enable", "AdminEnableUser", "Allow logins again (also clears failed-login counts and blocks).", user => user.EnableAsync());
        MapChange(users, "unlock", "AdminUnlockUser", "Clear failed-login counts and blocks; the account's status stays as it is.", user => user.UnlockAsync());
        MapChange(users, "require-password-change", "AdminRequirePasswordChange",
            "End every session; logins answer passwordChangeRequired: true until the password is changed.", user => user.RequirePasswordChangeAsync());
        MapChange(users, "reset-second-factors", "AdminResetSecondFactors",
            "For an owner who lost every second factor (and proved who they are to support): remove the authenticator app, passkeys and recovery codes, and end every session.",
            user => user.ResetSecondFactorsByOperatorAsync());
        users.MapDelete("/{userId}", EraseAsync)
            .WithName("AdminEraseUser")
            .WithSummary("Erase the account (GDPR): its sessions, login names and account row, from memory and the database.");

        users.MapGet("/{userId}/sessions", ListSessionsAsync)
            .WithName("AdminListSessions")
            .WithSummary("The account's live sessions.");
        users.MapDelete("/{userId}/sessions/{sessionId}", EndSessionAsync)
            .WithName("AdminEndSession")
            .WithSummary("End one session of the account.");
        users.MapDelete("/{userId}/sessions", EndAllSessionsAsync)
            .WithName("AdminEndAllSessions")
            .WithSummary("End every session of the account.");
        return routes;
    }

    /// <summary><c>POST /admin/v1/users/{userId}/{action}</c>: one change of an account (<see cref="ActAsync"/>).</summary>
    private static void MapChange(RouteGroupBuilder users, string action, string name, string summary, Func<IUserGrain, Task> change) =>
        users.MapPost($"/{{userId}}/{action}", (string userId, HttpContext http, IGrainFactory grains, SecurityEvents events) =>
                ActAsync(userId, action, http, grains, events, change))
            .WithName(name)
            .WithSummary(summary);

    private static async Task<Results<Ok<AdminUserResponse>, ValidationProblem, ProblemHttpResult>> FindAsync(
        string? username, string? email, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if ((username is null) == (email is null))
        {
            return Problems.Validation("username", "Give exactly one of 'username' and 'email'.");
        }

        string key;
        if (username is not null)
        {
            if (!LoginName.TryNormalizeUsername(username, out var normalized, out var error))
            {
                return Problems.Validation("username", error!);
            }

            key = LoginName.UsernameKey(normalized);
        }
        else
        {
            if (!LoginName.TryNormalizeEmail(email!, out var normalized, out var error))
            {
                return Problems.Validation("email", error!);
            }

            key = LoginName.EmailKey(normalized);
        }

        var userId = await SafeRetry.ReadAsync(grains.GetGrain<ILoginNameGrain>(key), static name => new ValueTask<Guid?>(name.ResolveAsync()), cancellationToken);
        var profile = userId is { } id ? await ProfileAsync(grains, id, cancellationToken) : null;
        return profile is null ? NoSuchAccount() : TypedResults.Ok(AdminUserResponse.From(profile));
    }

    private static async Task<Results<Ok<AdminUserResponse>, ProblemHttpResult>> GetAsync(string userId, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var profile = Guid.TryParse(userId, out var id) ? await ProfileAsync(grains, id, cancellationToken) : null;
        return profile is null ? NoSuchAccount() : TypedResults.Ok(AdminUserResponse.From(profile));
    }

    /// <summary>Runs one change on an existing account, records who did it, and answers with the account as it is now.</summary>
    private static async Task<Results<Ok<AdminUserResponse>, ProblemHttpResult>> ActAsync(
        string userId, string action, HttpContext http, IGrainFactory grains, SecurityEvents events, Func<IUserGrain, Task> change)
    {
        if (!Guid.TryParse(userId, out var id) || await ProfileAsync(grains, id, http.RequestAborted) is null)
        {
            return NoSuchAccount();
        }

        var user = grains.GetGrain<IUserGrain>(id);
        await change(user);
        events.OperatorAction(CurrentOperator.Of(http).Id, action, id, null, http.GetClientContext());
        return TypedResults.Ok(AdminUserResponse.From((await user.GetProfileAsync())!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EraseAsync(string userId, HttpContext http, IGrainFactory grains, SecurityEvents events)
    {
        if (!Guid.TryParse(userId, out var id) || !await grains.GetGrain<IUserGrain>(id).EraseAsync())
        {
            return NoSuchAccount();
        }

        events.OperatorAction(CurrentOperator.Of(http).Id, "erase", id, null, http.GetClientContext());
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AdminSessionListResponse>, ProblemHttpResult>> ListSessionsAsync(
        string userId, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(userId, out var id) || await ProfileAsync(grains, id, cancellationToken) is null)
        {
            return NoSuchAccount();
        }

        var sessions = await SafeRetry.ReadAsync(
            grains.GetGrain<IUserGrain>(id),
            static user => new ValueTask<IReadOnlyList<SessionSummary>>(user.ListSessionsAsync()),
            cancellationToken);
        return TypedResults.Ok(new AdminSessionListResponse([.. sessions.Select(s => new AdminSessionResponse(
            s.SessionId, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IpAddress))]));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EndSessionAsync(
        string userId, string sessionId, HttpContext http, IGrainFactory grains, SecurityEvents events)
    {
        if (!Guid.TryParse(userId, out var id) || !Guid.TryParse(sessionId, out var session)
            || await grains.GetGrain<IUserGrain>(id).EndSessionsByOperatorAsync(session) == 0)
        {
            return Problems.NotFound("The account has no session with that id.");
        }

        events.OperatorAction(CurrentOperator.Of(http).Id, "end-session", id, session, http.GetClientContext());
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AdminSessionsEndedResponse>, ProblemHttpResult>> EndAllSessionsAsync(
        string userId, HttpContext http, IGrainFactory grains, SecurityEvents events)
    {
        if (!Guid.TryParse(userId, out var id) || await ProfileAsync(grains, id, http.RequestAborted) is null)
        {
            return NoSuchAccount();
        }

        var ended = await grains.GetGrain<IUserGrain>(id).EndSessionsByOperatorAsync(null);
        events.OperatorAction(CurrentOperator.Of(http).Id, "end-all-sessions", id, null, http.GetClientContext());
        return TypedResults.Ok(new AdminSessionsEndedResponse(ended));
    }

    private static ValueTask<UserProfile?> ProfileAsync(IGrainFactory grains, Guid userId, CancellationToken cancellationToken) =>
        SafeRetry.ReadAsync(grains.GetGrain<IUserGrain>(userId), static user => new ValueTask<UserProfile?>(user.GetProfileAsync()), cancellationToken);

    private static ProblemHttpResult NoSuchAccount() => Problems.NotFound("There is no account with that id, username or email.");
}
