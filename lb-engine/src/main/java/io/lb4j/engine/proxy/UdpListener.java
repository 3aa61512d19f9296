package io.lb4j.engine.proxy;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The handler of one UDP VIP socket: finds or opens the client's {@link UdpSession} for every datagram. Runs on the
 * socket's event loop only, the service's one UDP loop; the session map, and the service's session order that
 * {@code maxUdpSessions} evicts by, are confined to it.
 */
final class UdpListener extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(UdpListener.class);

    private final EngineRuntime rt;
    private final ServiceHandle service;
    private final int vipPort;
    private final Map<InetSocketAddress, UdpSession> sessions = new HashMap<>();

    UdpListener(EngineRuntime rt, ServiceHandle service, int vipPort) {
        this.rt = rt;
        this.service = service;
        this.vipPort = vipPort;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InetSocketAddress client = packet.sender();
        UdpSession session = sessions.get(client);
        if (session == null) {
            session = open(ctx.channel(), client);
            if (session == null) {
                packet.release();
                return;
            }
        } else {
            service.udpSessions.touch(session);
        }
        session.toBackend(packet.content()); // the session owns the payload from here
    }

    private UdpSession open(Channel vip, InetSocketAddress client) {
        if (service.closed()) {
            refused();
            return null;
        }
        RoutingTable table = service.table();
        Backend b = table.route(table.clientKeyFor(client.getAddress()));
        if (b == null) {
            refused();
            return null;
        }
        makeRoom(table.service().maxUdpSessions());
        UdpSession s = new UdpSession(rt, service.label(), vip, client, b, this);
        sessions.put(client, s);
        service.udpSessions.add(s);
        s.open(b.target(vipPort));
        return s;
    }

    private void refused() {
        rt.counters().refused.increment();
        service.counters.refusedNoBackend.increment();
    }

    /**
     * Evicts the service's least recently active sessions, on any of its ports, until a new one fits under
     * {@code max} (0 = no cap). After routing, so that a datagram that would be refused anyway evicts nothing.
     */
    private void makeRoom(int max) {
        UdpSession eldest;
        while (max > 0 && service.udpSessions.size() >= max && (eldest = service.udpSessions.eldest()) != null) {
            rt.counters().udpSessionsEvicted.increment();
            service.counters.udpSessionsEvicted.increment();
            eldest.evict();
        }
    }

    /** Called on this loop by a session that relayed a reply: it is the service's most recently active. */
    void touched(UdpSession session) {
        service.udpSessions.touch(session);
    }

    /** Called on this loop by a session that closed. */
    void closed(UdpSession session) {
        sessions.remove(session.client(), session);
        service.udpSessions.remove(session);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A failed send to one client (e.g. ICMP unreachable) must not close the VIP socket for all of them.
        rt.counters().errors.increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("service {}: UDP VIP port {}: {}", service.label(), vipPort, cause.toString());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (UdpSession s : sessions.values().toArray(UdpSession[]::new)) {
            s.abort();
        }
        ctx.fireChannelInactive();
    }
}
