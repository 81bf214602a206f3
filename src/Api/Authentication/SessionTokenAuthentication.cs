using Microsoft.AspNetCore.Authorization;

namespace Identity.Api.Authentication;

internal static class SessionTokenAuthentication
{
    /// <summary>Bearer session tokens on the endpoints that require authorization, and nowhere else.</summary>
    public static IServiceCollection AddSessionTokenAuthentication(this IServiceCollection services)
    {
        // No default authenticate scheme: the authentication middleware would otherwise validate any
        // bearer header on every request (logins, health, anything). Only endpoints that require
        // authorization authenticate, through the policy's scheme.
        // ASP.NET Core makes a lone scheme the default unless this switch is set (read per options instance).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication(o =>
        {
            o.DefaultChallengeScheme = SessionTokenAuthenticationHandler.SchemeName;
            o.AddScheme<SessionTokenAuthenticationHandler>(SessionTokenAuthenticationHandler.SchemeName, null);
        });
        services.AddTransient<SessionTokenAuthenticationHandler>();
        services.AddAuthorization(o => o.DefaultPolicy = new AuthorizationPolicyBuilder(SessionTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .Build());
        return services;
    }
}
