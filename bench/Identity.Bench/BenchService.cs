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

        builder.Services.AddAuthentication(IdentityGridDefaults.AuthenticationScheme).AddIdentityGrid(grid.Bind);
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/checked", (HttpContext http) => TypedResults.Ok(new Caller(http.GetGridSession()!.UserId))).RequireAuthorization();
        app.MapGet("/open", () => TypedResults.Ok(new Caller(Guid.Empty)));
        await app.RunAsync();
        return 0;
    }

    private sealed record Caller(Guid UserId);
}
