using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Api.RateLimiting;
using Identity.Grains.Audit;
using Identity.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Identity.Api.Authentication;

/// <summary>
/// Authentication of a configured client (introspecting services, operators) where an endpoint
/// needs one, the same everywhere: an address that keeps failing waits (429, before any secret is
/// checked); a failure is counted, logged as a security event and answered 401 <c>invalid_client</c>
/// with the Basic challenge of the endpoint's realm; two methods at once are 400.
/// </summary>
internal sealed class ClientAuthenticationGate(ClientRateLimits limits, SecurityEvents events)
{
    /// <summary>The authenticated client, or null and the problem to answer.</summary>
    /// <param name="form">The request's form, where the endpoint reads one (<c>client_secret_post</c>); null: HTTP Basic only.</param>
    /// <param name="purpose">What was being attempted, for the security event (<c>introspection</c>, <c>admin</c>…).</param>
    public TClient? Authenticate<TClient>(HttpContext http, IReadOnlyList<TClient> clients, IFormCollection? form, string purpose, string realm, out ProblemHttpResult? problem)
        where TClient : ConfiguredClient
    {
        problem = null;
        if (!limits.MayTryClientCredentials(http, out var retryAfter))
        {
            events.Throttled("ClientAuthentication", null, http.GetClientContext());
            problem = Problems.TooManyAttempts(http, retryAfter);
            return null;
        }

        switch (ClientCredentials.Authenticate(http, clients, form, out var client))
        {
            case ClientAuthentication.Authenticated:
                return client;
            case ClientAuthentication.MoreThanOneMethod:
                problem = Problems.InvalidOAuthRequest("Authenticate the client one way: HTTP Basic or client_id and client_secret in the body, not both.");
                return null;
            default:
                limits.RecordClientAuthenticationFailure(http);
                events.ClientAuthenticationFailed(purpose, http.GetClientContext());
                problem = Problems.InvalidClient(http, realm);
                return null;
        }
    }
}
