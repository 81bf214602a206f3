using Identity.Api.Features.Introspection;
using Identity.Contracts.Sessions;

namespace Identity.Api.Features.Sessions;

/// <summary>
/// The <c>audience</c> and <c>scope</c> a sign-in asks its tokens for (<see cref="TokenGrant"/>),
/// checked before any grain call: the audience must be one a configured introspection client is
/// restricted to (<see cref="IntrospectionClient.Audience"/>), the scope RFC 6749 §3.3 syntax.
/// The scope is kept as given, minus repeats, in its first order; it is for resource servers to
/// read (introspection's <c>scope</c>), not a permission the grid enforces.
/// </summary>
internal static class TokenGrants
{
    public const int MaxScopes = 20;
    public const int MaxScopeLength = 1000;

    /// <summary>The grant, or the validation errors by field.</summary>
    public static TokenGrant Read(string? audience, string? scope, IntrospectionOptions clients, IDictionary<string, string[]> errors)
    {
        if (audience is not null && !clients.Audiences().Contains(audience))
        {
            errors["audience"] = ["Not an audience this grid issues tokens for (a configured introspection client's Audience)."];
        }

        string? normalized = null;
        if (scope is not null)
        {
            var tokens = scope.Split(' ');
            if (scope.Length > MaxScopeLength || tokens.Length > MaxScopes || !tokens.All(TokenGrant.IsScopeToken))
            {
                errors["scope"] = [$"Scopes are separated by single spaces, each printable ASCII without quotes or backslashes; at most {MaxScopes} scopes, {MaxScopeLength} characters."];
            }
            else
            {
                normalized = string.Join(' ', tokens.Distinct(StringComparer.Ordinal));
            }
        }

        return audience is null && normalized is null ? TokenGrant.None : new TokenGrant(audience, normalized);
    }
}
