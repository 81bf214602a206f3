using Identity.Api.Features.Health;
using Identity.Api.Features.Introspection;
using Identity.Api.Features.Sessions;
using Identity.Api.Features.Users;
using Identity.Api.Hosting;
using Identity.Api.Http;
using Identity.Api.Http.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

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
builder.Services.AddAuthentication(SessionTokenAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, SessionTokenAuthenticationHandler>(SessionTokenAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorization();
builder.Services.AddIdentityRateLimits();
builder.Services.AddOptions<IntrospectionOptions>().BindConfiguration(IntrospectionOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<IntrospectionOptions>, IntrospectionOptionsValidator>();
builder.Services.AddIdentityHealthChecks();
builder.Services.AddOpenApi();

var app = builder.Build();

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

app.Run();

/// <summary>Entry point; public so the tests can host the real pipeline.</summary>
public partial class Program;
