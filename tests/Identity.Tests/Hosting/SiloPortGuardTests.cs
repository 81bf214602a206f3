using System.Net;
using System.Net.Sockets;
using Identity.Grains.Hosting;
using Identity.Testing;

namespace Identity.Tests.Hosting;

/// <summary>
/// A second silo started by mistake on a machine must not take over the ports of a running one
/// (Orleans listens with SO_REUSEPORT, so the bind itself would succeed and the newcomer would have
/// the running silo declared dead). Restarting on the same ports must keep working.
/// </summary>
[TestClass]
public sealed class SiloPortGuardTests
{
    [TestMethod]
    public void A_port_held_by_a_listener_like_orleans_refuses_start_up_naming_the_setting()
    {
        using var running = ListenLikeOrleans(out var port);

        var refused = Assert.ThrowsExactly<NodeStartupException>(
            () => SiloPortGuard.EnsurePortsAreFree(new GridOptions { SiloPort = Ports.Free(), GatewayPort = port }));

        StringAssert.Contains(refused.Message, "Orleans:GatewayPort");
        StringAssert.Contains(refused.Message, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void Connections_a_previous_incarnation_left_in_time_wait_do_not_block_a_restart()
    {
        int port;
        using (var previous = ListenLikeOrleans(out port))
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            client.Connect(IPAddress.Loopback, port);
            using var accepted = previous.Accept();
            // The server side closes first, as a stopping silo does: its end stays in TIME_WAIT.
            accepted.Shutdown(SocketShutdown.Both);
            accepted.Close();
            Assert.AreEqual(0, client.Receive(new byte[1]), "the client saw the server's FIN");
            client.Close(); // on loopback the FIN arrives at once: the server end is in TIME_WAIT
        }

        SiloPortGuard.EnsurePortsAreFree(new GridOptions { SiloPort = port, GatewayPort = Ports.Free() });
    }

    [TestMethod]
    public void Free_ports_pass()
    {
        SiloPortGuard.EnsurePortsAreFree(new GridOptions { SiloPort = Ports.Free(), GatewayPort = Ports.Free() });
    }

    private static Socket ListenLikeOrleans(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }
}
