using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Identity.Grains.Hosting;

/// <summary>
/// Refuses to start a silo whose ports another process on this machine is listening on.
/// Orleans opens its listeners with <c>ReuseAddress</c>, which on Linux also sets SO_REUSEPORT, so a
/// second copy started by mistake binds the same port, announces itself as a newer incarnation of
/// the running silo, and has it declared dead — a running node taken down by an accidental start.
/// This probe binds with SO_REUSEADDR alone: that fails while a listener holds the port, but not
/// because of connections a previous incarnation left in TIME_WAIT, so a restart on the same
/// ports still works. Runs first in the silo's lifecycle, before Orleans binds its listeners.
/// </summary>
public sealed class SiloPortGuard(IOptions<GridOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(SiloPortGuard), ServiceLifecycleStage.First, _ =>
    {
        EnsurePortsAreFree(options.Value);
        return Task.CompletedTask;
    });

    public static void EnsurePortsAreFree(GridOptions grid)
    {
        var address = grid.ListenOnAnyHostAddress ? IPAddress.Any : grid.AdvertisedAddress();
        EnsureFree(address, grid.SiloPort, $"{GridOptions.Section}:SiloPort");
        EnsureFree(address, grid.GatewayPort, $"{GridOptions.Section}:GatewayPort");
    }

    private static void EnsureFree(IPAddress address, int port, string setting)
    {
        if (port == 0)
        {
            return;
        }

        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (OperatingSystem.IsLinux())
        {
            probe.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }

        try
        {
            probe.Bind(new IPEndPoint(address, port));
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new NodeStartupException(
                $"Port {port} ({setting}) on {address} is already in use, most likely by another grid node or Identity.Api "
                + $"on this machine. Stop it first, or give this one other ports ({setting}).", ex);
        }
    }
}
