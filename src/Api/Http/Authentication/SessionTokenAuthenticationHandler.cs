using System.Security.Claims;
using Identity.Contracts.Sessions;
using Microsoft.AspNetCore.Authentication;

namespace Identity.Api.Http.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer iga_…</c>: parse the token, then one call to its session
/// grain, which answers from memory. The validated <see cref="SessionView"/> is kept on the
/// request for handlers (<see cref="CurrentSession"/>).
/// Implements <see cref="IAuthenticationHandler"/> directly rather than deriving from
/// <c>AuthenticationHandler&lt;T&gt;</c>: that base creates a logger and resolves options for every
/// request, which showed up in profiles of the hot path; this handler needs neither.
/// </summary>
internal sealed class SessionTokenAuthenticationHandler(
    SessionGrains sessions, FailedTokenChecks failures, IProblemDetailsService problems) : IAuthenticationHandler
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

        if (!SessionToken.TryParse(header.AsSpan(BearerPrefix.Length).Trim(), TokenKind.Access, out var token))
        {
            return AuthenticateResult.Fail("Malformed access token.");
        }

        if (failures.IsExhausted(context, out var retryAfter))
        {
            tooManyFailures = retryAfter;
            return AuthenticateResult.Fail("Too many failed token checks from this address.");
        }

        var session = await SafeRetry.ReadAsync(
            (Grain: sessions.Get(token.SessionId), token.Digest),
            static call => call.Grain.ValidateAccessTokenAsync(call.Digest),
            context.RequestAborted);
        if (session is null)
        {
            failures.Record(context);
            return AuthenticateResult.Fail("Access token is not valid.");
        }

        context.Features.Set(session);
        var identity = new ClaimsIdentity(
            [new Claim("sub", session.UserId.ToString()), new Claim("sid", session.SessionId.ToString())],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>RFC 6750: 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>, body as problem+json.</summary>
    public async Task ChallengeAsync(AuthenticationProperties? properties)
    {
        if (tooManyFailures is { } retryAfter)
        {
            await Problems.TooManyInvalidTokens(context, retryAfter).ExecuteAsync(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"identity\", error=\"invalid_token\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized.",
                Detail = "A valid access token is required (Authorization: Bearer <token>). It may be missing, malformed, expired or revoked.",
            },
        });
    }

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}

/// <summary>The session the request's access token proved; bind it as a handler parameter.</summary>
internal sealed class CurrentSession(SessionView view)
{
    public SessionView View { get; } = view;

    public Guid SessionId => View.SessionId;

    public Guid UserId => View.UserId;

    public static ValueTask<CurrentSession?> BindAsync(HttpContext context) =>
        ValueTask.FromResult(context.Features.Get<SessionView>() is { } view ? new CurrentSession(view) : null);
}
