using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Identity.Contracts.Security;
using Identity.Contracts.Sessions;
using Identity.DevCertificates;
using Identity.Grains.Hosting;
using Identity.Grains.Sessions;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Identity.Tests.Hosting;

/// <summary>
/// The Orleans links are mutual TLS with the grid's CA, and the gateway admits only Api nodes:
/// a process that can open a TCP connection to it gets nothing without an Api-node certificate.
/// </summary>
[TestClass]
public sealed class GridTlsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static ApiHost s_host = null!;
    private static string s_grid = null!;
    private static string s_foreign = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_grid = LocalCertificates.Ensure(Path.Combine(Path.GetTempPath(), $"identity-tls-{Guid.NewGuid():N}"));
        s_foreign = LocalCertificates.Ensure(Path.Combine(Path.GetTempPath(), $"identity-tls-foreign-{Guid.NewGuid():N}"));
        s_host = new ApiHost(new Dictionary<string, string?>
        {
            ["Tls:CaCertificate"] = LocalCertificates.CertificatePath(s_grid, "ca"),
            ["Tls:Certificate"] = LocalCertificates.CertificatePath(s_grid, "silo"),
            ["Tls:PrivateKey"] = LocalCertificates.KeyPath(s_grid, "silo"),
        });
        s_host.CreateApiClient().Dispose();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_host.DisposeAsync();
        Directory.Delete(s_grid, recursive: true);
        Directory.Delete(s_foreign, recursive: true);
    }

    [TestMethod]
    public async Task An_api_node_certificate_connects_and_checks_tokens()
    {
        using var client = await ConnectAsync(ClientTls(s_grid, "api", s_grid));

        var session = client.Services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(Guid.NewGuid());
        Assert.IsNull(await session.ValidateAccessTokenAsync(TokenDigest.Of([1, 2, 3])).AsTask().WaitAsync(Bound));
    }

    [TestMethod]
    public async Task A_plaintext_orleans_client_cannot_call_any_grain() =>
        Assert.IsFalse(await CanMintAsync(_ => { }), "a client without TLS reached StartAsync");

    [TestMethod]
    public async Task An_api_node_certificate_completes_the_handshake()
    {
        using var certificate = Load(s_grid, "api");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, s_host.GatewayPort);
        using var tls = await HandshakeAsync(tcp, certificate);

        Assert.IsNotNull(tls.RemoteCertificate, "the silo presented its certificate");
    }

    [TestMethod]
    public async Task A_client_whose_certificate_another_ca_signed_is_refused_in_the_handshake() =>
        await AssertHandshakeRefusedAsync(Load(s_foreign, "api"));

    [TestMethod]
    public async Task A_service_certificate_is_refused_in_the_handshake() =>
        await AssertHandshakeRefusedAsync(Load(s_grid, "service"));

    [TestMethod]
    public async Task An_orleans_client_with_a_service_certificate_cannot_mint_a_session() =>
        Assert.IsFalse(await CanMintAsync(ClientTls(s_grid, "service", s_grid)), "a service certificate reached StartAsync");

    [TestMethod]
    public void Each_port_admits_only_its_role_from_the_grids_ca()
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(LocalCertificates.CertificatePath(s_grid, "ca"));
        using var silo = Load(s_grid, "silo");
        using var api = Load(s_grid, "api");
        using var service = Load(s_grid, "service");
        using var foreignSilo = Load(s_foreign, "silo");

        Assert.IsTrue(GridCertificates.IsTrusted(silo, ca, GridRole.Silo));
        Assert.IsFalse(GridCertificates.IsTrusted(api, ca, GridRole.Silo), "an Api node cannot join the silo links");
        Assert.IsTrue(GridCertificates.IsTrusted(api, ca, GridRole.Api));
        Assert.IsFalse(GridCertificates.IsTrusted(service, ca, GridRole.Api), "a service cannot use the gateway");
        Assert.IsFalse(GridCertificates.IsTrusted(foreignSilo, ca, GridRole.Silo), "another CA's silo is a stranger");
    }

    [TestMethod]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Keys_are_created_readable_by_their_owner_only()
    {
        foreach (var name in new[] { "ca", "silo", "api", "service" })
        {
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LocalCertificates.KeyPath(s_grid, name)), name);
        }
    }

    /// <summary>
    /// Whether an Orleans client configured by <paramref name="tls"/> gets a session minted for a
    /// random user. A refused client never completes a call; the Orleans client keeps retrying the
    /// gateway, so the attempt is bounded (10 s to connect, 10 s for the call).
    /// </summary>
    private static async Task<bool> CanMintAsync(Action<IClientBuilder> tls)
    {
        try
        {
            using var client = await ConnectAsync(tls, TimeSpan.FromSeconds(10));
            var lifecycle = client.Services.GetRequiredService<IGrainFactory>().GetGrain<ISessionLifecycleGrain>(Guid.NewGuid());
            await lifecycle.StartAsync(new SessionStart(Guid.NewGuid(), "victim", ClientContext.Unknown)).WaitAsync(TimeSpan.FromSeconds(10));
            return true;
        }
#pragma warning disable CA1031 // Any failure to connect or call is the expected outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>The TLS handshake with <paramref name="certificate"/> fails, or the server closes the connection right after it.</summary>
    private static async Task AssertHandshakeRefusedAsync(X509Certificate2 certificate)
    {
        using (certificate)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, s_host.GatewayPort);
            SslStream tls;
            try
            {
                tls = await HandshakeAsync(tcp, certificate);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                return;
            }

            // TLS 1.3 lets the client finish first; the server's refusal arrives as an alert or a close.
            using (tls)
            {
                await AssertClosedAsync(tls);
            }
        }
    }

    private static async Task<SslStream> HandshakeAsync(TcpClient tcp, X509Certificate2 certificate)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(LocalCertificates.CertificatePath(s_grid, "ca"));
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false,
            (_, server, _, _) => server is X509Certificate2 silo && GridCertificates.IsTrusted(silo, ca, GridRole.Silo));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = [certificate],
            }).WaitAsync(Bound);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    private static async Task AssertClosedAsync(Stream stream)
    {
        var buffer = new byte[64];
        try
        {
            Assert.AreEqual(0, await stream.ReadAsync(buffer).AsTask().WaitAsync(Bound), "the server sent data to a peer it should refuse");
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            // Reset or alert: refused.
        }
    }

    private static async Task<IHost> ConnectAsync(Action<IClientBuilder> tls, TimeSpan? bound = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, s_host.GatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = s_host.ClusterId;
                o.ServiceId = "identity-grid";
            });
            tls(client);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(bound ?? Bound);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static Action<IClientBuilder> ClientTls(string folder, string role, string trustedCa) => client => client.UseGridTls(new GridTlsOptions
    {
        CaCertificate = LocalCertificates.CertificatePath(trustedCa, "ca"),
        Certificate = LocalCertificates.CertificatePath(folder, role),
        PrivateKey = LocalCertificates.KeyPath(folder, role),
    });

    private static X509Certificate2 Load(string folder, string role) =>
        X509Certificate2.CreateFromPemFile(LocalCertificates.CertificatePath(folder, role), LocalCertificates.KeyPath(folder, role));
}
