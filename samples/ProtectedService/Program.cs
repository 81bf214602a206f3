// ProtectedService: an orders API of the platform that accepts Identity Grid access tokens through
// the Identity.Client library. Everything is configuration (appsettings.json, or environment
// variables such as IdentityGrid__Mode):
//
//   remote (default): IdentityGrid__Authority=http://localhost:5000/ IdentityGrid__ClientId=orders
//                     IdentityGrid__ClientSecret=... (an Introspection:Clients entry of the grid)
//   in-cluster:       IdentityGrid__Mode=InCluster IdentityGrid__Cluster__Gateways__0=127.0.0.1:30001
//                     IdentityGrid__Cluster__CaCertificate / Certificate / PrivateKey (role Api)
//
//   dotnet run --project samples/ProtectedService --urls http://127.0.0.1:5100
using Identity.Client;

var builder = WebApplication.CreateBuilder(args);
var grid = builder.Configuration.GetSection("IdentityGrid");
if (grid.GetValue<IdentityGridMode>("Mode") == IdentityGridMode.InCluster)
{
    builder.UseIdentityGridCluster();
}

builder.Services.AddAuthentication(IdentityGridDefaults.AuthenticationScheme).AddIdentityGrid(grid.Bind);
builder.Services.AddHealthChecks().AddIdentityGrid();
builder.Services.AddAuthorization(authorization => authorization
    .AddPolicy("orders:read", policy => policy.RequireClaim(IdentityGridClaims.Scope, "orders:read")));

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

// Degraded while push revocation is not live (revoked tokens may then be accepted for CacheDurationWithoutPush).
app.MapHealthChecks("/health");

// Who is calling: the claims the grid's token gave.
app.MapGet("/me", (HttpContext http) =>
{
    var session = http.GetGridSession()!;
    return new { subject = session.Subject, clientId = session.ClientId, sessionId = session.SessionId, username = session.Username, scope = session.Scope, audience = session.Audience };
}).RequireAuthorization();

// Only tokens whose sign-in asked for the orders:read scope.
app.MapGet("/orders", (HttpContext http) => new { owner = http.User.Identity!.Name, orders = Array.Empty<string>() })
    .RequireAuthorization("orders:read");

app.Run();
