using System.Text.Encodings.Web;
using Identity.Client.Checks;
using Identity.Contracts.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Identity.Client;

/// <summary>
/// The <see cref="IdentityGridDefaults.AuthenticationScheme"/> handler: reads <c>Authorization:
/// Bearer</c>, refuses anything that is not a grid access token without asking the grid, then checks
/// it in the configured mode. Refused: 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>;
/// the grid could not be asked: 503 with <c>Retry-After</c> (a user is not signed out by an outage).
/// </summary>
internal sealed partial class IdentityGridHandler(
    IOptionsMonitor<IdentityGridOptions> options, ILoggerFactory logger, UrlEncoder encoder, IdentityGridChecks checks)
    : AuthenticationHandler<IdentityGridOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";
    private bool _tokenPresented;
    private bool _unavailable;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        _tokenPresented = true;
        var text = header[BearerPrefix.Length..].Trim();
        if (!SessionToken.TryParse(text, TokenKind.Access, out var token))
        {
            return AuthenticateResult.Fail("Not an Identity Grid access token.");
        }

        GridSession? session;
        try
        {
            session = await checks.For(Scheme.Name).CheckAsync(token, text, Context.RequestAborted);
        }
        catch (GridUnavailableException ex)
        {
            _unavailable = true;
            LogUnavailable(Logger, ex, Scheme.Name);
            return AuthenticateResult.Fail(ex.Message);
        }

        if (session is null)
        {
            return AuthenticateResult.Fail("The token is not active: unknown, expired, or its session ended.");
        }

        if (Options.Audience is not null && !string.Equals(Options.Audience, session.Audience, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("The token is not meant for this service (aud).");
        }

        Context.Features.Set(session);
        return AuthenticateResult.Success(new AuthenticationTicket(session.ToPrincipal(Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_unavailable)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = _tokenPresented ? "Bearer error=\"invalid_token\"" : "Bearer";
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "scheme {Scheme} could not check a token: the grid was not reachable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string scheme);
}
