using Identity.Api.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Features.BrowserSessions;
using Identity.Api.Features.Admin;
using Identity.Api.Features.Health;
using Identity.Api.Features.Introspection;
using Identity.Api.Features.Revocations;
using Identity.Api.Features.Sessions;
using Identity.Api.Features.Users;
using Identity.Api.Features.Email;
using Identity.Api.Features.PasswordResets;
using Identity.Api.Features.SecondFactors;
using Identity.Api.Features.Passkeys;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.OpenIdConnect;
using Identity.Api.RateLimiting;
using Identity.Grains.Hosting.Options;
using Identity.ServiceDefaults;
using Identity.ServiceDefaults.Hosting;
using Identity.ServiceDefaults.Management;

namespace Identity.Api.Hosting;

/// <summary>
/// The Api's composition, in two halves: services (<see cref="AddIdentityApi"/>) and the request
/// pipeline with its endpoints (<see cref="UseIdentityApi"/>). Program.cs is just these two calls;
/// the benchmark host composes the very same pipeline and adds its own reference endpoints.
/// Each concern lives in its folder: Grid (reaching the grains), Authentication, RateLimiting,
/// Errors (every problem+json), Http (the wire: JSON, body limits, client context), Features.
/// </summary>
public static class IdentityApi
{
    /// <summary>The Api process (Program.cs): a start-up mistake is one line on <paramref name="errors"/> and exit status 1.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter? errors = null, CancellationToken stopping = default) =>
        NodeRunner.RunAsync(
            "identity-api",
            () => WebApplication.CreateBuilder(args),
            builder => builder.AddIdentityApi(),
            app => app.UseIdentityApi(),
            errors,
            stopping);

    public static WebApplicationBuilder AddIdentityApi(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults("identity-api");
        builder.AddManagementListener();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes;
        });

        builder.AddGridAccess();
        builder.AddClientAddresses();
        builder.Services.AddProblemResponses();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);

            // Numbers are JSON numbers: not also strings, as the web defaults read them (the contract says "integer").
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddIdentityRateLimits();
        builder.Services.AddSingleton<ClientAuthenticationGate>();
        builder.Services.AddValidatedOptions<IntrospectionOptions, IntrospectionOptionsValidator>(IntrospectionOptions.Section);
        builder.Services.AddValidatedOptions<AdminOptions, AdminOptionsValidator>(AdminOptions.Section);
        builder.Services.AddIdentityHealthChecks();
        builder.Services.AddRevocationRelay();
        builder.Services.AddBrowserAccess();
        // Also in client mode: the cookie transport's refresh cookie lives as long as a session may.
        builder.Services.AddValidatedOptions<Identity.Grains.Sessions.SessionOptions, Identity.Grains.Sessions.SessionOptionsValidator>(Identity.Grains.Sessions.SessionOptions.Section);
        // The step-up window is checked here (RecentAuthentication); the rest of these bind the grains.
        builder.Services.AddValidatedOptions<Identity.Grains.Users.AccountOptions, Identity.Grains.Users.AccountOptionsValidator>(Identity.Grains.Users.AccountOptions.Section);
        // Passwordless sign-in options are made here (their challenge is signed, so any node checks it).
        builder.Services.AddValidatedOptions<Identity.Grains.Users.PasskeyOptions, Identity.Grains.Users.PasskeyOptionsValidator>(Identity.Grains.Users.PasskeyOptions.Section);
        builder.Services.TryAddSingleton<Identity.Grains.Users.PasskeyCeremonies>();
        builder.Services.AddApiContract();
        builder.AddOpenIdConnectProvider();
        builder.Services.AddAccountMail();
        return builder;
    }

    public static WebApplication UseIdentityApi(this WebApplication app)
    {
        app.UseManagementEndpoints();
        app.UseClientAddresses();
        app.UseSecurityHeaders();
        app.UseHsts();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit();
        app.UseCors();
        app.UseSessionTokenAuthentication();
        app.UseOpenIdConnectProvider();
        app.UseGridTraceContext();

        app.MapApiContract();
        app.MapHealthApi();
        var api = app.MapGroup(string.Empty).WithCommonProblems();
        api.MapUsersApi();
        api.MapEmailApi();
        api.MapPasswordResetsApi();
        api.MapSecondFactorsApi();
        api.MapPasskeysApi();
        api.MapSessionsApi();
        api.MapBrowserSessionsApi();
        api.MapIntrospectionApi();
        api.MapRevocationsApi();
        api.MapAdminApi();
        api.MapAdminOpenIdConnectApi();
        app.MapOpenIdConnectProvider();
        return app;
    }
}
