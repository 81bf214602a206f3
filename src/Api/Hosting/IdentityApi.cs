using Identity.Api.Features.Health;
using Identity.Api.Features.Introspection;
using Identity.Api.Features.Sessions;
using Identity.Api.Features.Users;
using Identity.Api.Http;
using Identity.Api.Http.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Serilog;

namespace Identity.Api.Hosting;

/// <summary>
/// The Api's composition, in two halves: services (<see cref="AddIdentityApi"/>) and the request
/// pipeline with its endpoints (<see cref="UseIdentityApi"/>). Program.cs is just these two calls;
/// the benchmark host composes the very same pipeline and adds its own reference endpoints.
/// </summary>
public static class IdentityApi
{
    public static WebApplicationBuilder AddIdentityApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes;
        });

        builder.AddIdentityGrid();

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        // No default authenticate scheme: the authentication middleware would otherwise validate any
        // bearer header on every request (logins, health, anything). Only endpoints that require
        // authorization authenticate, through the policy's scheme.
        // ASP.NET Core makes a lone scheme the default unless this switch is set (read per options instance).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        builder.Services.AddAuthentication(o =>
        {
            o.DefaultChallengeScheme = SessionTokenAuthenticationHandler.SchemeName;
            o.AddScheme<SessionTokenAuthenticationHandler>(SessionTokenAuthenticationHandler.SchemeName, null);
        });
        builder.Services.AddTransient<SessionTokenAuthenticationHandler>();
        builder.Services.AddSingleton<SessionGrains>();
        builder.Services.AddAuthorization(o => o.DefaultPolicy = new AuthorizationPolicyBuilder(SessionTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .Build());
        builder.Services.AddIdentityRateLimits();
        builder.Services.AddOptions<IntrospectionOptions>().BindConfiguration(IntrospectionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IntrospectionOptions>, IntrospectionOptionsValidator>();
        builder.Services.AddIdentityHealthChecks();
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication UseIdentityApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapOpenApi();
        app.MapHealthApi();
        app.MapUsersApi();
        app.MapSessionsApi();
        app.MapIntrospectionApi();
        return app;
    }
}
