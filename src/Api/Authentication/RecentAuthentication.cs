using Identity.Api.Errors;
using Identity.Api.OpenApi;
using Identity.Grains.Hosting;
using Identity.Grains.Users;
using Microsoft.Extensions.Options;

namespace Identity.Api.Authentication;

/// <summary>
/// Step-up: a change that would let a thief keep an account (its password, email, second factors)
/// needs the session's user to have proven who they are within <c>Accounts:StepUpWindow</c>
/// (5 minutes by default) — at sign-in or with <c>POST /v1/sessions/current/reauthenticate</c>.
/// A stolen access token alone is not enough.
/// </summary>
internal static class RecentAuthentication
{
    /// <summary>Answers 403 (<see cref="Problems.ReauthenticationRequired"/>) unless the session authenticated recently. Goes on endpoints that <c>RequireSession()</c>.</summary>
    public static RouteHandlerBuilder RequireRecentAuthentication(this RouteHandlerBuilder endpoint) => endpoint
        .AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var session = http.Features.Get<CurrentSession>() ?? throw new InvalidOperationException("RequireRecentAuthentication needs RequireSession.");
            var options = http.RequestServices.GetRequiredService<IOptions<AccountOptions>>().Value;
            var now = http.RequestServices.GetRequiredKeyedService<TimeProvider>(IdentityClock.Key).GetUtcNow();
            return options.IsRecent(session.View.AuthenticatedAt, now) ? await next(invocation) : Problems.ReauthenticationRequired();
        })
        .AnswersProblems(StatusCodes.Status403Forbidden);
}
