using System.Security.Claims;

namespace Identity.Client;

/// <summary>What a valid access token proved: its session, user, expiry, and what it was asked for.</summary>
public sealed record GridSession(Guid SessionId, Guid UserId, string Username, DateTimeOffset ExpiresAt, string? Audience, string? Scope)
{
    internal ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(IdentityGridClaims.Subject, UserId.ToString()),
            new(IdentityGridClaims.SessionId, SessionId.ToString()),
            new(IdentityGridClaims.Username, Username),
        };
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
