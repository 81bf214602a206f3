using System.Security.Claims;
using Identity.Api.Errors;
using Identity.Api.Grid;
using Identity.Api.RateLimiting;
using Identity.Contracts.Sessions;
using Identity.Api.Http;
using Identity.Grains.Audit;
using Identity.Grains.Sessions;
using Microsoft.AspNetCore.Authentication;

namespace Identity.Api.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer iga_…</c>: parse the token and verify its authenticator
/// (one HMAC, no I/O), then one call to its session grain, which answers from memory. The validated session and the token's digest are kept on the
/// request for handlers (<see cref="CurrentSession"/>).
/// Implements <see cref="IAuthenticationHandler"/> directly rather than deriving from
/// <c>AuthenticationHandler&lt;T&gt;</c>: that base creates a logger and resolves options for every
/// request, which showed up in profiles of the hot path; this handler needs neither.
/// </summary>
internal sealed class SessionTokenAuthenticationHandler(SessionGrains sessions, TokenAuthenticator tokens, FailedTokenChecks failures, SecurityEvents events) : IAuthenticationHandler
{
    public const string SchemeName = "SessionToken";
    private const string BearerPrefix = "Bearer ";

    private HttpContext context = null!;
    private Task<AuthenticateResult>? result;
    private TimeSpan? tooManyFailures;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        this.context = context;
        return Task.CompletedTask;
    }

    // Authentication and authorization may both ask; the grain is called once per request.
    public Task<AuthenticateResult> AuthenticateAsync() => result ??= AuthenticateCoreAsync();

    private async Task<AuthenticateResult> AuthenticateCoreAsync()
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        // Malformed or not authenticated by our keys: refused here, before any grain call or storage read.
        if (!tokens.TryRead(header.AsSpan(BearerPrefix.Length).Trim(), TokenKind.Access, out var token))
        {
            return AuthenticateResult.Fail("Malformed or unauthenticated access token.");
        }

        if (failures.IsExhausted(token.SessionId, out var retryAfter))
        {
            tooManyFailures = retryAfter;
            events.Throttled("FailedTokenChecks", token.SessionId, context.GetClientContext());
            return AuthenticateResult.Fail("Too many failed checks of this session's tokens.");
        }

        var grain = sessions.Get(token.SessionId);
        SessionView? session;
        try
        {
            session = await grain.ValidateAccessTokenAsync(token.Digest);
        }
        catch (Exception ex) when (SafeRetry.IsSiloLoss(ex))
        {
            session = await SafeRetry.RetryAfterLossAsync((Grain: grain, token.Digest), static call => call.Grain.ValidateAccessTokenAsync(call.Digest), context.RequestAborted);
        }
        if (session is null)
        {
            failures.Record(token.SessionId);
            return AuthenticateResult.Fail("Access token is not valid.");
        }

        context.Features.Set(new CurrentSession(session, token.Digest));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new SessionIdentity(session)), SchemeName));
    }

    /// <summary>
    /// The authenticated caller: <c>sub</c> (user id) and <c>sid</c> (session id) claims, made only
    /// when something reads them — endpoints use <see cref="CurrentSession"/>, so a token check
    /// does not pay for two claims and their strings it never reads.
    /// </summary>
    private sealed class SessionIdentity(SessionView session) : ClaimsIdentity(SchemeName)
    {
        public override IEnumerable<Claim> Claims =>
            [new Claim("sub", session.UserId.ToString(), null, SchemeName, SchemeName, this), new Claim("sid", session.SessionId.ToString(), null, SchemeName, SchemeName, this), .. base.Claims];
    }

    public Task ChallengeAsync(AuthenticationProperties? properties) => tooManyFailures is { } retryAfter
        ? Problems.TooManyFailedTokenChecks(context, retryAfter).ExecuteAsync(context)
        : Problems.InvalidAccessToken(context).ExecuteAsync(context);

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
