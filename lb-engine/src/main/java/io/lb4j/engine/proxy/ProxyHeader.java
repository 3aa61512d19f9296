package io.lb4j.engine.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol v2 header a connection to a real server starts with when its service says
 * {@code proxyProtocol: v2}, encoded by Netty's {@link HAProxyMessageEncoder}. The encoder sits in the connection's
 * pipeline only until the header is written: the relay's own writes are plain buffers and never meet it afterwards.
 * Stateless; thread-safe.
 */
final class ProxyHeader {

    private ProxyHeader() {
    }

    /** Prepares a new, unregistered connection to a real server for {@link #write}. */
    static void prepare(Channel upstream) {
        upstream.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
    }

    /**
     * Writes and flushes the header on the just-connected {@code upstream}, before anything of the client's is
     * written to it, then takes the encoder out. A failed write closes the connection through the pipeline's
     * {@code exceptionCaught}, as any failed relay write does.
     */
    static void write(Channel upstream, InetSocketAddress client, InetSocketAddress vip) {
        upstream.writeAndFlush(message(client, vip), upstream.voidPromise());
        upstream.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
    }

    /**
     * {@code PROXY} from the client to the VIP over TCP: {@code TCP4} when both addresses are IPv4, {@code TCP6}
     * otherwise (an IPv4 address then as IPv4-mapped IPv6, so that both ends are of one family as the format needs).
     */
    static HAProxyMessage message(InetSocketAddress client, InetSocketAddress vip) {
        boolean v4 = client.getAddress() instanceof Inet4Address && vip.getAddress() instanceof Inet4Address;
        return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                literal(client.getAddress(), v4), literal(vip.getAddress(), v4), client.getPort(), vip.getPort());
    }

    /** The address as the encoder parses it: no IPv6 scope ({@code %eth0}), which the header has no room for. */
    private static String literal(InetAddress address, boolean v4) {
        if (v4 || address instanceof Inet6Address) {
            return NetUtil.toAddressString(address);
        }
        return "::ffff:" + address.getHostAddress();
    }
}
