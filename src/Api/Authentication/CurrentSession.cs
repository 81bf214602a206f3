using Identity.Contracts.Sessions;

namespace Identity.Api.Authentication;

/// <summary>
/// The session the request's access token proved, and that token's digest (so logging out needs no
/// second parse of the header). Bind it as a handler parameter on endpoints marked <c>RequireSession()</c>.
/// </summary>
internal sealed class CurrentSession(SessionView view, TokenDigest accessDigest)
{
    public SessionView View { get; } = view;

    public TokenDigest AccessDigest { get; } = accessDigest;

    public Guid SessionId => View.SessionId;

    public Guid UserId => View.UserId;

    public static ValueTask<CurrentSession?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<CurrentSession>());
}
