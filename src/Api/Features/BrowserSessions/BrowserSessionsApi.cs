using System.Text.Json.Serialization;
using Identity.Api.Authentication;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Features.Introspection;
using Identity.Api.Features.Sessions;
using Identity.Api.Grid;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Grains.Audit;
using Identity.Grains.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SessionOptions = Identity.Grains.Sessions.SessionOptions;

namespace Identity.Api.Features.BrowserSessions;

/// <summary>A cookie sign-in or refresh: the tokens went into HttpOnly cookies; the app gets what it may see.</summary>
/// <param name="CsrfToken">Send it as the <c>X-CSRF-Token</c> header with every request that changes something (it is also the readable <c>__Host-igs-csrf</c> cookie).</param>
public sealed record BrowserSessionResponse(
    Guid SessionId,
    long ExpiresIn,
    string CsrfToken,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceToken = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool PasswordChangeRequired = false)
{
    public override string ToString() => $"BrowserSessionResponse {{ SessionId = {SessionId}, secrets redacted }}";
}

/// <summary>
/// The cookie transport's sign-in, refresh and sign-out (<c>/v1/browser/sessions</c>); 404 unless
/// <see cref="BrowserOptions.Cookies"/> is on (always in the contract, so clients see it). The same rules as <c>/v1/sessions</c> (they call
/// the same code); the tokens travel in cookies (<see cref="CookieTransport"/>). Every call needs an
/// allowed <c>Origin</c>; refresh and sign-out also the CSRF token.
/// </summary>
internal static class BrowserSessionsApi
{
    public static IEndpointRouteBuilder MapBrowserSessionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(CookieTransport.BasePath).WithTags("Browser sessions").AllowBrowserOrigins()
            .AddEndpointFilter(static (context, next) =>
                context.HttpContext.RequestServices.GetRequiredService<IOptions<BrowserOptions>>().Value.Cookies
                    ? next(context)
                    : ValueTask.FromResult<object?>(Problems.NotFound("The cookie transport is off (Browsers:Cookies).")))
            .AnswersProblems(StatusCodes.Status404NotFound);
        group.MapPost("/", SignInAsync)
            .WithName("BrowserLogin")
            .WithSummary("Sign in as POST /v1/sessions does, the tokens set as HttpOnly cookies; needs an allowed Origin.")
            .AnswersProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden)
            .RequireRateLimit(RateLimitRule.Login);
        group.MapPost("/second-factor", CompleteSignInAsync)
            .WithName("BrowserCompleteSignIn")
            .WithSummary("Complete a browser sign-in that answered 202, as POST /v1/sessions/second-factor does, the tokens set as cookies; needs an allowed Origin.")
            .AnswersProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden)
            .RequireRateLimit(RateLimitRule.Login);
        group.MapPost("/refresh", RefreshAsync)
            .WithName("BrowserRefresh")
            .WithSummary("Rotate the token pair held in the cookies; needs an allowed Origin and X-CSRF-Token.")
            .AnswersProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests);
        group.MapDelete("/current", SignOutAsync)
            .RequireSession()
            .RequireRateLimit(RateLimitRule.SessionRevocation)
            .WithName("BrowserLogout")
            .WithSummary("End the cookie session and remove the cookies; needs an allowed Origin and X-CSRF-Token.")
            .AnswersProblems(StatusCodes.Status403Forbidden);
        return routes;
    }

    private static async Task<Results<Created<BrowserSessionResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        LoginRequest request, HttpContext http, IGrainFactory grains, SecurityEvents events, IOptions<IntrospectionOptions> clients,
        IOptions<BrowserOptions> browsers, IOptions<SessionOptions> sessions)
    {
        // No login CSRF: another site cannot sign a browser in to an account of its choosing.
        if (!CookieTransport.HasAllowedOrigin(http.Request, browsers.Value))
        {
            return Problems.ForgeryCheckFailed();
        }

        return InCookies((await SessionsApi.LoginAsync(request, http, grains, events, clients)).Result, http, sessions.Value);
    }

    private static async Task<Results<Created<BrowserSessionResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult>> CompleteSignInAsync(
        SecondFactorRequest request, HttpContext http, IGrainFactory grains, SecurityEvents events, IOptions<BrowserOptions> browsers, IOptions<SessionOptions> sessions)
    {
        if (!CookieTransport.HasAllowedOrigin(http.Request, browsers.Value))
        {
            return Problems.ForgeryCheckFailed();
        }

        return InCookies((await SessionsApi.CompleteSignInAsync(request, http, grains, events)).Result, http, sessions.Value);
    }

    /// <summary>A sign-in's answer with its tokens moved into cookies; a challenge or a problem as it is.</summary>
    private static Results<Created<BrowserSessionResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult> InCookies(IResult result, HttpContext http, SessionOptions sessions) => result switch
    {
        Created<TokenResponse> { Value: { } tokens } => TypedResults.Created((string?)null, Issue(http, tokens, sessions)),
        Accepted<SecondFactorChallengeResponse> challenge => challenge,
        ValidationProblem invalid => invalid,
        ProblemHttpResult problem => problem,
        _ => throw new InvalidOperationException($"Unexpected sign-in result {result.GetType().Name}."),
    };

    private static async Task<Results<Ok<BrowserSessionResponse>, ValidationProblem, ProblemHttpResult>> RefreshAsync(
        HttpContext http, SessionGrains grains, TokenAuthenticator tokens, FailedTokenChecks failures, SecurityEvents events,
        IOptions<BrowserOptions> browsers, IOptions<SessionOptions> sessions)
    {
        if (!CookieTransport.PassesForgeryChecks(http.Request, browsers.Value))
        {
            return Problems.ForgeryCheckFailed();
        }

        var result = await SessionsApi.RefreshAsync(new RefreshRequest(http.Request.Cookies[CookieTransport.RefreshCookie]), http, grains, tokens, failures, events);
        switch (result.Result)
        {
            case Ok<TokenResponse> { Value: { } rotated }:
                return TypedResults.Ok(Issue(http, rotated, sessions.Value));
            case ValidationProblem:
                // No refresh cookie at all: as for a dead one.
                CookieTransport.Clear(http.Response);
                return Problems.InvalidRefreshToken();
            case ProblemHttpResult { StatusCode: StatusCodes.Status401Unauthorized } refused:
                CookieTransport.Clear(http.Response);
                return refused;
            case ProblemHttpResult problem:
                return problem;
            default:
                throw new InvalidOperationException($"Unexpected refresh result {result.Result.GetType().Name}.");
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SignOutAsync(CurrentSession session, SessionGrains grains, HttpContext http, SecurityEvents events)
    {
        // The session middleware already required the CSRF token and Origin of a cookie-authenticated DELETE.
        var result = await SessionsApi.LogoutAsync(session, grains, http, events);
        CookieTransport.Clear(http.Response);
        return result;
    }

    private static BrowserSessionResponse Issue(HttpContext http, TokenResponse tokens, SessionOptions sessions)
    {
        var csrf = CookieTransport.Issue(http.Response, tokens.AccessToken, tokens.RefreshToken, TimeSpan.FromSeconds(tokens.ExpiresIn), sessions.AbsoluteLifetime);
        return new BrowserSessionResponse(tokens.SessionId, tokens.ExpiresIn, csrf, tokens.DeviceToken, tokens.PasswordChangeRequired);
    }
}
