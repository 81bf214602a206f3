using System.Security.Claims;
using System.Text.Encodings.Web;
using Identity.Contracts.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Identity.Api.Http.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer iga_…</c>: parse the token, then one call to its session
/// grain, which answers from memory. The validated <see cref="SessionView"/> is kept on the
/// request for handlers (<see cref="CurrentSession"/>).
/// </summary>
internal sealed class SessionTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SessionToken";
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!SessionToken.TryParse(header.AsSpan(BearerPrefix.Length).Trim(), TokenKind.Access, out var token))
        {
            return AuthenticateResult.Fail("Malformed access token.");
        }

        var session = await SafeRetry.ReadAsync(
            (Grain: grains.GetGrain<ISessionGrain>(token.SessionId), token.Digest),
            static call => call.Grain.ValidateAccessTokenAsync(call.Digest),
            Context.RequestAborted);
        if (session is null)
        {
            return AuthenticateResult.Fail("Access token is not valid.");
        }

        Context.Features.Set(session);
        var identity = new ClaimsIdentity(
            [new Claim("sub", session.UserId.ToString()), new Claim("sid", session.SessionId.ToString())],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>RFC 6750: 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>, body as problem+json.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"identity\", error=\"invalid_token\"";
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized.",
                Detail = "A valid access token is required (Authorization: Bearer <token>). It may be missing, malformed, expired or revoked.",
            },
        });
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
