using System.Security.Claims;
using Identity.Api.Errors;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.RateLimiting;
using Identity.Contracts.Sessions;
using Identity.Grains.Audit;
using Identity.Grains.Sessions;

namespace Identity.Api.Authentication;

/// <summary>
/// Bearer session tokens, checked on the endpoints marked with <see cref="RequireSession{TBuilder}"/>
/// and nowhere else: parse the token and verify its authenticator (one HMAC, no I/O), then one call
/// to its session grain, which answers from memory. The validated session is kept on the request
/// (<see cref="CurrentSession"/>, and <see cref="HttpContext.User"/>); anything else is answered here:
/// 401 with <c>WWW-Authenticate: Bearer</c>, or 429 when the session's failed-check budget is spent.
/// </summary>
/// <remarks>
/// A middleware rather than an ASP.NET Core authentication handler behind an authorization policy:
/// for one scheme and one rule ("a live session") that machinery — the policy evaluator, the
/// authentication and authorization services, a handler per request, a merged principal, two
/// tickets — cost about 2 KB and 10 % of the CPU of every token check (measured with the benchmark's
/// allocation probe and a CPU profile against the Orleans floor; docs/performance.md).
/// </remarks>
internal static class SessionTokenAuthentication
{
    public const string SchemeName = "SessionToken";
    private const string BearerPrefix = "Bearer ";

    /// <summary>Requires a valid access token on these endpoints; handlers bind <see cref="CurrentSession"/>.</summary>
    public static TBuilder RequireSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(SessionRequired.Instance);

    public static IApplicationBuilder UseSessionTokenAuthentication(this IApplicationBuilder app) => app.Use((context, next) =>
        context.GetEndpoint()?.Metadata.GetMetadata<SessionRequired>() is null ? next(context) : AuthenticateAsync(context, next));

    private static async Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        var services = context.RequestServices;
        var header = context.Request.Headers.Authorization.ToString();

        // Missing, malformed or not authenticated by our keys: refused here, before any grain call or storage read.
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            || !services.GetRequiredService<TokenAuthenticator>().TryRead(header.AsSpan(BearerPrefix.Length).Trim(), TokenKind.Access, out var token))
        {
            await Problems.InvalidAccessToken(context).ExecuteAsync(context);
            return;
        }

        var failures = services.GetRequiredService<FailedTokenChecks>();
        if (failures.IsExhausted(token.SessionId, out var retryAfter))
        {
            services.GetRequiredService<SecurityEvents>().Throttled("FailedTokenChecks", token.SessionId, context.GetClientContext());
            await Problems.TooManyFailedTokenChecks(context, retryAfter).ExecuteAsync(context);
            return;
        }

        var grain = services.GetRequiredService<SessionGrains>().Get(token.SessionId);
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
            failures.Record(token.SessionId);
            await Problems.InvalidAccessToken(context).ExecuteAsync(context);
            return;
        }

        context.Features.Set(new CurrentSession(session, token.Digest));
        context.User = new ClaimsPrincipal(new SessionIdentity(session));
        await next(context);
    }

    /// <summary>Marks an endpoint that requires a valid access token.</summary>
    private sealed class SessionRequired
    {
        public static readonly SessionRequired Instance = new();
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
}
