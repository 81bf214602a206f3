// SessionCheck: how a service inside the grid's network checks a bearer token and lists the user's
// sessions, talking to the session and user grains directly through Identity.Contracts and the
// Orleans client — no HTTP hop, no database.
//
//   dotnet run --project samples/SessionCheck -- <access token> [gateway host:port ...]
//
// Gateways default to 127.0.0.1:30001 (silo 1 of scripts/grid.sh); IDENTITY_CLUSTER_ID and
// IDENTITY_SERVICE_ID default to identity-grid. Prints one JSON object; exit code 0 when active.
//
// The gateway admits only Api-node certificates of the grid's CA (mutual TLS), and such a
// certificate can call every grain: this is how a trusted in-grid component connects, not how
// ordinary services should (they use POST /v1/introspect). Tls__CaCertificate, Tls__Certificate
// and Tls__PrivateKey name the PEM files (scripts/grid.sh keeps them in .data/grid/tls).
using System.Net;
using System.Security.Cryptography.X509Certificates;
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
if (builder.Configuration["Tls:Certificate"] is not { Length: > 0 } certificateFile
    || builder.Configuration["Tls:PrivateKey"] is not { Length: > 0 } keyFile
    || builder.Configuration["Tls:CaCertificate"] is not { Length: > 0 } caFile)
{
    Console.Error.WriteLine("Set Tls__CaCertificate, Tls__Certificate and Tls__PrivateKey: the grid admits only clients with an Api-node certificate of its CA.");
    return 2;
}

var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
var certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
builder.UseOrleansClient(client => client
    .UseStaticClustering(gateways)
    .Configure<ClusterOptions>(o =>
    {
        o.ClusterId = Environment.GetEnvironmentVariable("IDENTITY_CLUSTER_ID") ?? "identity-grid";
        o.ServiceId = Environment.GetEnvironmentVariable("IDENTITY_SERVICE_ID") ?? "identity-grid";
    })
    .UseTls(certificate, tls => tls.RemoteCertificateValidation = (silo, _, _) => IssuedBy(silo, ca)));
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

// The silo's certificate must chain to the grid's own CA (not the machine's trust store).
static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
{
    using var chain = new X509Chain();
    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
    chain.ChainPolicy.CustomTrustStore.Add(ca);
    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
    return chain.Build(certificate);
}
