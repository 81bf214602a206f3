using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Grains.Audit;
using Identity.ServiceDefaults.Authentication;
using Identity.ServiceDefaults.Management;
using Microsoft.Extensions.Options;

namespace Identity.Api.Authentication;

/// <summary>
/// Operators on the admin API: HTTP Basic with a configured operator's id and secret
/// (<see cref="AdminOptions"/>), on every endpoint of a group marked <see cref="RequireOperator"/>.
/// An address that keeps failing waits (the client-authentication budget, as for introspection),
/// and each failure is a security event. Handlers read <see cref="CurrentOperator.Of"/>.
/// </summary>
internal static class OperatorAuthentication
{
    private const string Realm = "identity-admin";

    public static RouteGroupBuilder RequireOperator(this RouteGroupBuilder group)
    {
        group.RequiresScheme(ContractSchemes.Operator).AnswersProblems(StatusCodes.Status429TooManyRequests);
        group.AddEndpointFilter(static async (context, next) =>
        {
            var http = context.HttpContext;
            var services = http.RequestServices;
            var operators = services.GetRequiredService<IOptions<AdminOptions>>().Value.Operators;
            var signedIn = services.GetRequiredService<ClientAuthenticationGate>().Authenticate(http, operators, form: null, "admin", Realm, out var refused);
            if (signedIn is null)
            {
                return refused;
            }

            var operatorId = signedIn.ClientId;
            http.Features.Set(new CurrentOperator(operatorId));
            return await next(context);
        });
        return group;
    }
}

/// <summary>The operator the request authenticated as.</summary>
/// <remarks>Read in the handler, not bound as a parameter: parameters are bound before endpoint filters run.</remarks>
internal sealed record CurrentOperator(string Id)
{
    public static CurrentOperator Of(HttpContext context) =>
        context.Features.Get<CurrentOperator>() ?? throw new InvalidOperationException("Admin endpoints must be in a group marked RequireOperator().");
}
