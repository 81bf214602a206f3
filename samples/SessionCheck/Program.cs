// SessionCheck: how a service inside the grid's network checks a bearer token and lists the user's
// sessions, talking to the session and user grains directly through Identity.Contracts and the
// Orleans client — no HTTP hop, no database.
//
//   dotnet run --project samples/SessionCheck -- <access token> [gateway host:port ...]
//
// Gateways default to 127.0.0.1:30001 (silo 1 of scripts/grid.sh); IDENTITY_CLUSTER_ID and
// IDENTITY_SERVICE_ID default to identity-grid. Prints one JSON object; exit code 0 when active.
using System.Net;
using System.Text.Json;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: SessionCheck <access token> [gateway host:port ...]");
    return 2;
}

var gateways = (args.Length > 1 ? args[1..] : ["127.0.0.1:30001"]).Select(IPEndPoint.Parse).ToArray();
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleansClient(client => client
    .UseStaticClustering(gateways)
    .Configure<ClusterOptions>(o =>
    {
        o.ClusterId = Environment.GetEnvironmentVariable("IDENTITY_CLUSTER_ID") ?? "identity-grid";
        o.ServiceId = Environment.GetEnvironmentVariable("IDENTITY_SERVICE_ID") ?? "identity-grid";
    }));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IClusterClient>();

// Parse locally, then one call to the session grain, answered from memory.
var view = SessionToken.TryParse(args[0], TokenKind.Access, out var token)
    ? await grains.GetGrain<ISessionGrain>(token.SessionId).ValidateAccessTokenAsync(token.Digest)
    : null;
if (view is null)
{
    Console.WriteLine(JsonSerializer.Serialize(new { active = false }));
    await host.StopAsync();
    return 1;
}

var sessions = await grains.GetGrain<IUserGrain>(view.UserId).ListSessionsAsync();
Console.WriteLine(JsonSerializer.Serialize(new
{
    active = true,
    sessionId = view.SessionId,
    userId = view.UserId,
    username = view.Username,
    expiresAt = view.ExpiresAt,
    sessions = sessions.Select(s => new { sessionId = s.SessionId, createdAt = s.CreatedAt, lastSeenAt = s.LastSeenAt, userAgent = s.UserAgent }),
}));
await host.StopAsync();
return 0;
