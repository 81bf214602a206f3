using System.Security.Claims;

namespace Identity.Client;

/// <summary>
/// What a valid access token proved: its session, its subject (a user's id, or for a service's
/// client-credentials token its client id), expiry, and what it was asked for and by which client.
/// </summary>
public sealed record GridSession(Guid SessionId, string Subject, string Username, DateTimeOffset ExpiresAt, string? Audience, string? Scope, string? ClientId = null)
{
    internal ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(IdentityGridClaims.Subject, Subject),
            new(IdentityGridClaims.SessionId, SessionId.ToString()),
            new(IdentityGridClaims.Username, Username),
        };
        if (ClientId is not null)
        {
            claims.Add(new Claim(IdentityGridClaims.ClientId, ClientId));
        }

        if (Audience is not null)
        {
            claims.Add(new Claim(IdentityGridClaims.Audience, Audience));
        }

        foreach (var scope in Scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            claims.Add(new Claim(IdentityGridClaims.Scope, scope));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, IdentityGridClaims.Username, null));
    }
}
