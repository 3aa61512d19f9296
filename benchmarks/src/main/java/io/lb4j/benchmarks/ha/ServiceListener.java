package io.lb4j.benchmarks.ha;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The "service" behind the VIP in {@code benchmarks/ha-outage-vs-keepalived.sh}: a TCP listener on
 * {@code 0.0.0.0:port} in a node's namespace that accepts and closes at once. The same listener runs under both
 * VRRP implementations, so a client-visible difference can only come from VRRP (takeover timing, gratuitous ARP).
 *
 * <p>Binding the wildcard address means it answers on the VIP as soon as the node's interface carries it, with no
 * {@code ip_nonlocal_bind} and no rebinding on takeover. Prints {@code LISTENING} once bound.
 *
 * <p>Arguments: {@code port}.
 */
public final class ServiceListener {

    private ServiceListener() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // A deep backlog: the handshake is the kernel's, so the probe's connects succeed even if this JVM is
            // briefly descheduled on a loaded box; only the VIP's presence on the interface decides.
            server.bind(new InetSocketAddress("0.0.0.0", port), 4096);
            System.out.println("LISTENING " + port);
            System.out.flush();
            while (true) {
                try (SocketChannel ignored = server.accept()) {
                    // accept and close: the probe measures reachability, not a protocol
                }
            }
        }
    }
}
