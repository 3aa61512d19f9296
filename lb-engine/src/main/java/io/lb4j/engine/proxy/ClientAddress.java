package io.lb4j.engine.proxy;

import io.lb4j.api.internal.Addresses;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * Connections to real servers from the client's own address ({@code VirtualService.preserveClientAddress()}): the
 * checks {@link ProxyEngine#install} makes before it binds such a service, and the per-connection set-up
 * {@link TcpPair} does. Stateless; thread-safe.
 *
 * <p>Why the native transports only: binding a socket to an address the host does not own needs
 * {@code IP_TRANSPARENT} before the bind. Netty's epoll and io_uring channels set it as a supported option
 * ({@link EpollChannelOption#IP_TRANSPARENT}, {@link IoUringChannelOption#IP_TRANSPARENT}); Java NIO has no such
 * option and hides its sockets' descriptors (reaching them would need {@code --add-opens java.base/sun.nio.ch}), so
 * there is no robust way to set it on an NIO channel.
 */
final class ClientAddress {

    private ClientAddress() {
    }

    /**
     * Whether this engine can keep the client's address: the epoll transport, and a process allowed to set
     * {@code IP_TRANSPARENT}, found out by setting it on a probe socket of the same kind the connections use.
     *
     * @throws IllegalStateException naming the service and what is missing: the epoll transport, or CAP_NET_ADMIN
     */
    static void checkUsable(String label, Transport transport) {
        if (transport != Transport.EPOLL && transport != Transport.IO_URING) {
            throw new IllegalStateException("service \"" + label + "\": preserveClientAddress needs a native"
                    + " transport (io_uring or epoll: ProxyEngine.builder().transport(Transport.AUTO); engine:"
                    + " { transport: auto } in the appliance file) and this engine runs on "
                    + transport.name().toLowerCase(java.util.Locale.ROOT) + ", which cannot set IP_TRANSPARENT"
                    + (Transport.available().size() > 1 ? "" : "; neither io_uring nor epoll is available here: "
                    + Transport.EPOLL.unavailabilityCause().map(Throwable::toString).orElse("unknown cause")));
        }
        Channel probe = transport.socketChannel().get();
        try {
            makeTransparent(probe);
        } catch (ChannelException e) {
            // setsockopt(IP_TRANSPARENT) on a fresh TCP socket fails only with EPERM: neither CAP_NET_ADMIN nor
            // CAP_NET_RAW in the network namespace. Netty reports it as text; the capability is named here.
            throw new IllegalStateException("service \"" + label + "\": preserveClientAddress needs CAP_NET_ADMIN"
                    + " (CAP_NET_RAW also does) to set IP_TRANSPARENT on the connections to real servers, and this"
                    + " process lacks it (" + e.getMessage() + "): run the balancer as root, or grant it the"
                    + " capability (systemd AmbientCapabilities=CAP_NET_ADMIN, or setcap cap_net_admin+ep on the"
                    + " java binary)", e);
        } finally {
            probe.unsafe().closeForcibly();
        }
    }

    /**
     * Sets {@code IP_TRANSPARENT} on a new, unregistered connection to a real server, so that it may bind to the
     * client's address.
     *
     * @throws ChannelException when the kernel refuses it (the probe in {@link #checkUsable} makes that unlikely)
     */
    static void makeTransparent(Channel upstream) {
        ChannelOption<Boolean> option = upstream instanceof EpollSocketChannel ? EpollChannelOption.IP_TRANSPARENT
                : IoUringChannelOption.IP_TRANSPARENT;
        if (!upstream.config().setOption(option, true)) {
            throw new ChannelException("IP_TRANSPARENT is not an option of " + upstream.getClass().getSimpleName());
        }
    }

    /**
     * The local address a connection from {@code client} to {@code target} binds to: the client's IP and port 0,
     * an ephemeral port the kernel picks (HAProxy's {@code usesrc clientip}); reusing the client's port could clash
     * with the balancer's own connections, and would tell the real server nothing more. Null when the two
     * addresses are of different families, which no socket can connect across.
     */
    static InetSocketAddress source(InetSocketAddress client, InetSocketAddress target) {
        boolean clientV4 = client.getAddress() instanceof Inet4Address;
        boolean targetV4 = target.getAddress() instanceof Inet4Address;
        return clientV4 == targetV4 ? new InetSocketAddress(client.getAddress(), 0) : null;
    }

    /** Why a connection from {@code client} to {@code target} was not made: their families differ. */
    static ConnectException familyMismatch(InetSocketAddress client, InetSocketAddress target) {
        return new ConnectException("preserveClientAddress: client " + Addresses.text(client.getAddress()) + " is "
                + family(client) + " and real server " + Addresses.hostPort(target.getAddress(), target.getPort())
                + " is " + family(target) + "; a connection cannot come from the client's address, and is not made"
                + " from the balancer's instead");
    }

    private static String family(InetSocketAddress a) {
        return a.getAddress() instanceof Inet4Address ? "IPv4" : "IPv6";
    }
}
