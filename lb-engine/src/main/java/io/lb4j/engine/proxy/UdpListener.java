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
 * socket's event loop only; the session map is confined to it.
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
        }
        session.toBackend(packet.content()); // the session owns the payload from here
    }

    private UdpSession open(Channel vip, InetSocketAddress client) {
        if (service.closed()) {
            rt.counters().refused.increment();
            return null;
        }
        Backend b = service.table().route(RoutingTable.clientKey(client.getAddress()));
        if (b == null) {
            rt.counters().refused.increment();
            return null;
        }
        UdpSession s = new UdpSession(rt, service.label(), vip, client, b, this);
        sessions.put(client, s);
        s.open(b.target(vipPort));
        return s;
    }

    /** Called on this loop by a session that closed. */
    void closed(UdpSession session) {
        sessions.remove(session.client(), session);
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
