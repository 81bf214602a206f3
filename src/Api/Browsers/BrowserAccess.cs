using Identity.Grains.Hosting.Options;
using Microsoft.Extensions.Options;

namespace Identity.Api.Browsers;

/// <summary>
/// CORS for the endpoints browser apps call (accounts and sessions, marked with
/// <see cref="AllowBrowserOrigins{TBuilder}"/>): the configured origins only, no credentials,
/// the methods and headers the API uses, preflights cached. Introspection, revocations and the
/// admin API are for servers and operators: no CORS at all.
/// </summary>
internal static class BrowserAccess
{
    public const string Policy = "browsers";

    public static IServiceCollection AddBrowserAccess(this IServiceCollection services)
    {
        services.AddValidatedOptions<BrowserOptions, BrowserOptionsValidator>(BrowserOptions.Section);
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<BrowserOptions>>((cors, browsers) => cors.AddPolicy(Policy, policy => policy
                .WithOrigins([.. browsers.Value.AllowedOrigins.Select(o => o.TrimEnd('/'))])
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithHeaders("Authorization", "Content-Type", CookieTransport.CsrfHeader)
                .WithExposedHeaders("Retry-After", "WWW-Authenticate")
                .SetPreflightMaxAge(browsers.Value.PreflightMaxAge)));
        return services;
    }

    public static TBuilder AllowBrowserOrigins<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireCors(Policy);
}
