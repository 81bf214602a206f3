using Identity.Client;

namespace Identity.Bench;

/// <summary>
/// A service protected by Identity.Client (the library's cost, benchmark scenario 7): in the mode
/// of <c>IdentityGrid:Mode</c> (in-cluster through the grid's gateway, or remote), answering a small
/// document at <c>GET /checked</c> only with a valid grid token, and the same document at
/// <c>GET /open</c> with no authentication at all: the same process, measured in turns.
/// </summary>
internal static class BenchService
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var grid = builder.Configuration.GetSection("IdentityGrid");
        if (grid.GetValue<IdentityGridMode>("Mode") == IdentityGridMode.InCluster)
        {
            builder.UseIdentityGridCluster();
        }

        // No default scheme, not even the one ASP.NET Core infers from a single registered scheme: only
        // /checked authenticates (else UseAuthentication would check the token on /open too, since the
        // load sends it with every request).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        builder.Services.AddAuthentication().AddIdentityGrid(grid.Bind);
        builder.Services.AddAuthorization(authorization => authorization.AddPolicy("grid", policy => policy
            .AddAuthenticationSchemes(IdentityGridDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/checked", (HttpContext http) => TypedResults.Ok(new Caller(http.GetGridSession()!.Subject))).RequireAuthorization("grid");
        app.MapGet("/open", () => TypedResults.Ok(new Caller(string.Empty)));
        await app.RunAsync();
        return 0;
    }

    private sealed record Caller(string Subject);
}
