package io.lb4j.engine.proxy;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Cancellable;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;

/**
 * One UDP client of one VIP port: a connected upstream socket to the chosen backend, so replies can be told apart
 * per client, and relayed back to the client from the VIP socket. Everything runs on the VIP socket's event loop
 * (the upstream socket is registered on the same one); the clock's idle check and {@link #abort()} hop onto it.
 */
final class UdpSession implements Flow {

    private static final Logger LOG = LoggerFactory.getLogger(UdpSession.class);
    /** Datagrams held while the upstream socket is being set up; more are dropped (and counted). */
    private static final int MAX_QUEUED = 64;

    private final EngineRuntime rt;
    private final String service;
    private final Channel vip;
    private final InetSocketAddress client;
    private final Backend backend;
    private final UdpListener listener;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private Channel upstream;
    private boolean connected;
    private boolean closed;
    private long lastActiveNanos;
    private Cancellable idleCheck;
    // The service's order of last activity (UdpLru), through the sessions; on the service's UDP loop only.
    boolean inLru;
    UdpSession lruOlder;
    UdpSession lruNewer;

    UdpSession(EngineRuntime rt, String service, Channel vip, InetSocketAddress client, Backend backend,
               UdpListener listener) {
        this.rt = rt;
        this.service = service;
        this.vip = vip;
        this.client = client;
        this.backend = backend;
        this.listener = listener;
    }

    InetSocketAddress client() {
        return client;
    }

    void open(InetSocketAddress target) {
        rt.counters().udpSessions.incrementAndGet();
        rt.flows().add(service, backend.label(), this);
        lastActiveNanos = rt.clock().nanoTime();
        ChannelFuture f;
        try {
            f = rt.datagram().clone(vip.eventLoop()).handler(new Upstream()).connect(target);
        } catch (RuntimeException e) {
            rt.counters().errors.increment();
            close();
            return;
        }
        upstream = f.channel();
        upstream.closeFuture().addListener(x -> close());
        f.addListener(x -> {
            if (!f.isSuccess()) {
                rt.counters().connectFailures.increment();
                close();
                return;
            }
            connected = true;
            ByteBuf buf;
            while ((buf = queue.poll()) != null) {
                send(buf);
            }
            upstream.flush();
        });
        scheduleIdleCheck(rt.udpIdleNanos());
    }

    /** A datagram from the client; this session owns {@code payload}. */
    void toBackend(ByteBuf payload) {
        if (closed) {
            payload.release();
            return;
        }
        lastActiveNanos = rt.clock().nanoTime();
        if (connected) {
            send(payload);
            upstream.flush();
        } else if (queue.size() < MAX_QUEUED) {
            queue.add(payload);
        } else {
            payload.release();
            rt.counters().datagramsDropped.increment();
        }
    }

    private void send(ByteBuf payload) {
        if (!upstream.isWritable()) {
            payload.release();
            rt.counters().datagramsDropped.increment();
            return;
        }
        rt.counters().bytesToBackends.add(payload.readableBytes());
        backend.addBytes(true, payload.readableBytes());
        upstream.write(payload, upstream.voidPromise());
    }

    /** Replies from the backend, relayed to the client from the VIP socket. */
    private final class Upstream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof DatagramPacket reply) || closed) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!vip.isActive() || !vip.isWritable()) {
                reply.release();
                rt.counters().datagramsDropped.increment();
                return;
            }
            lastActiveNanos = rt.clock().nanoTime();
            listener.touched(UdpSession.this);
            rt.counters().bytesToClients.add(reply.content().readableBytes());
            backend.addBytes(false, reply.content().readableBytes());
            vip.write(new DatagramPacket(reply.content(), client), vip.voidPromise()); // hands the payload on
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            vip.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Typically ICMP port unreachable: close, so the client's next datagram is routed afresh.
            rt.counters().errors.increment();
            if (LOG.isDebugEnabled()) {
                LOG.debug("service {}: UDP session {} -> {}: {}", service, client, backend, cause.toString());
            }
            close();
        }
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = rt.clock().schedule(Duration.ofNanos(delayNanos), () -> onLoop(this::checkIdle));
    }

    private void checkIdle() {
        if (closed) {
            return;
        }
        long idle = rt.clock().nanoTime() - lastActiveNanos;
        if (idle >= rt.udpIdleNanos()) {
            close();
        } else {
            scheduleIdleCheck(rt.udpIdleNanos() - idle);
        }
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (idleCheck != null) {
            idleCheck.cancel();
        }
        ByteBuf buf;
        while ((buf = queue.poll()) != null) {
            buf.release();
        }
        listener.closed(this);
        rt.flows().remove(service, backend.label(), this);
        rt.counters().udpSessions.decrementAndGet();
        backend.release();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void onLoop(Runnable task) {
        try {
            vip.eventLoop().execute(task);
        } catch (RejectedExecutionException e) {
            // The loop is gone, so nothing else touches this session any more.
            task.run();
        }
    }

    @Override
    public void abort() {
        onLoop(this::close);
    }

    /** Closes this session, its upstream socket with it, to make room under {@code maxUdpSessions}; on the loop. */
    void evict() {
        close();
    }

    @Override
    public boolean datagram() {
        return true;
    }

    @Override
    public long pendingBytes() {
        return 0;
    }
}
