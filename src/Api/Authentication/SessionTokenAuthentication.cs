using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.Sessions;
using Identity.Grains.Audit;
using Identity.Grains.Sessions;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.Options;

namespace Identity.Api.Authentication;

/// <summary>
/// Bearer session tokens, checked on the endpoints marked with <see cref="RequireSession{TBuilder}"/>
/// and nowhere else: parse the token and verify its authenticator (one HMAC, no I/O), then one call
/// to its session grain, which answers from memory. The validated session is kept on the request
/// for handlers (<see cref="CurrentSession"/>); anything else is answered here: 401 with
/// <c>WWW-Authenticate: Bearer</c>, or 429 when the session's failed-check budget is spent.
/// </summary>
/// <remarks>
/// A middleware rather than an ASP.NET Core authentication handler behind an authorization policy:
/// for one scheme and one rule ("a live session") that machinery — the policy evaluator, the
/// authentication and authorization services, a handler per request, a merged principal, two
/// tickets — cost about 2 KB and a fifth of the CPU of every token check (measured with the
/// benchmark's allocation probe and <c>bench/ab.sh</c>; docs/performance.md). No
/// <see cref="HttpContext.User"/> is set: nothing reads it, and it would be an allocation per check.
/// </remarks>
internal static class SessionTokenAuthentication
{
    /// <summary>Requires a valid access token on these endpoints; handlers bind <see cref="CurrentSession"/>.</summary>
    public static TBuilder RequireSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder
            .WithMetadata(SessionRequired.Instance)
            .RequiresScheme(ContractSchemes.Session)
            .AnswersProblems(StatusCodes.Status429TooManyRequests);

    public static IApplicationBuilder UseSessionTokenAuthentication(this IApplicationBuilder app) => app.UseMiddleware<SessionTokenMiddleware>();

    /// <summary>Marks an endpoint that requires a valid access token.</summary>
    private sealed class SessionRequired
    {
        public static readonly SessionRequired Instance = new();
    }

    /// <summary>Made once per application, with its services; stateless per request.</summary>
    private sealed class SessionTokenMiddleware(
        RequestDelegate next, TokenAuthenticator tokens, FailedTokenChecks failures, SessionGrains sessions, SecurityEvents events, GridMetrics metrics,
        IOptions<BrowserOptions> browsers)
    {
        private const string BearerPrefix = "Bearer ";
        private readonly BrowserOptions _browsers = browsers.Value;

        public Task InvokeAsync(HttpContext context) =>
            context.GetEndpoint()?.Metadata.GetMetadata<SessionRequired>() is null ? next(context) : AuthenticateAsync(context);

        private async Task AuthenticateAsync(HttpContext context)
        {
            var header = context.Request.Headers.Authorization.ToString();
            ReadOnlySpan<char> presented;
            if (header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                presented = header.AsSpan(BearerPrefix.Length).Trim();
            }
            else if (header.Length == 0 && _browsers.Cookies && context.Request.Cookies[CookieTransport.AccessCookie] is { Length: > 0 } cookie)
            {
                // The cookie transport: a browser sends it by itself, so unsafe requests must prove they are not forged.
                if (!CookieTransport.PassesForgeryChecks(context.Request, _browsers))
                {
                    await Problems.ForgeryCheckFailed().ExecuteAsync(context);
                    return;
                }

                presented = cookie;
            }
            else
            {
                presented = default;
            }

            // Missing, malformed or not authenticated by our keys: refused here, before any grain call or storage read.
            if (presented.IsEmpty || !tokens.TryRead(presented, TokenKind.Access, out var token))
            {
                metrics.TokenChecked(GridMetrics.TokenOutcome.Invalid);
                await Problems.InvalidAccessToken(context).ExecuteAsync(context);
                return;
            }

            if (failures.IsExhausted(token.SessionId, out var retryAfter))
            {
                metrics.TokenChecked(GridMetrics.TokenOutcome.Throttled);
                events.Throttled("FailedTokenChecks", token.SessionId, context.GetClientContext());
                await Problems.TooManyFailedTokenChecks(context, retryAfter).ExecuteAsync(context);
                return;
            }

            var grain = sessions.Get(token.SessionId);
            SessionView? session;
            try
            {
                // Awaited here rather than in SafeRetry: one allocation less on every check.
                session = await grain.ValidateAccessTokenAsync(token.Digest);
            }
            catch (Exception ex) when (SafeRetry.IsSiloLoss(ex))
            {
                session = await SafeRetry.RetryAfterLossAsync((Grain: grain, token.Digest), static call => call.Grain.ValidateAccessTokenAsync(call.Digest), context.RequestAborted);
            }

            if (session is null)
            {
                metrics.TokenChecked(GridMetrics.TokenOutcome.Invalid);
                failures.Record(token.SessionId);
                await Problems.InvalidAccessToken(context).ExecuteAsync(context);
                return;
            }

            metrics.TokenChecked(GridMetrics.TokenOutcome.Valid);
            context.Features.Set(new CurrentSession(session, token.Digest));
            await next(context);
        }
    }
}
