package io.lb4j.engine.proxy;

import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.linux.StreamSocket;
import io.netty.channel.IoEventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

/**
 * One proxied TCP connection on the io_uring transport's own relay ({@link UringRelay}): what {@link TcpPair} does
 * around the bytes (admission against {@code maxConnections}, routing, the backend slot, one retry on another server
 * when the connect fails, counters, the flow registry, idle timeouts and the backend's keepalive through the loop's
 * {@link IdleSweeper}, abort), for a service without {@code preserveClientAddress} and PROXY headers.
 *
 * <p>Confined to its event loop, except {@link #abort()} and {@link #pendingBytes()}.
 */
final class UringPair extends TcpFlow implements UringRelay.Events {

    private static final Logger LOG = LoggerFactory.getLogger(UringPair.class);
    private static final int MAX_ATTEMPTS = 2;

    private final int vipPort;
    private final IoEventLoop loop;
    private final int clientFd;
    private final InetSocketAddress clientAddress;
    private final UringRelay relay;
    private Backend backend; // the current attempt's, null once its slot was given back
    private int attempts;
    private boolean wired;
    private boolean ended;

    private UringPair(EngineRuntime rt, ServiceHandle service, int vipPort, IoEventLoop loop, UringBuffers buffers,
                      int clientFd, InetSocketAddress clientAddress) {
        super(rt, service);
        this.vipPort = vipPort;
        this.loop = loop;
        this.clientFd = clientFd;
        this.clientAddress = clientAddress;
        this.relay = new UringRelay(loop, buffers, clientFd, this);
    }

    /** Takes an accepted connection: admits, routes and connects it, or refuses it. On {@code loop}. */
    static void accepted(EngineRuntime rt, ServiceHandle service, int vipPort, IoEventLoop loop, UringBuffers buffers,
                         int fd, InetSocketAddress peer) {
        UringPair pair = new UringPair(rt, service, vipPort, loop, buffers, fd, peer);
        try {
            pair.relay.open();
        } catch (Exception e) {
            StreamSocket.close(fd);
            rt.counters().errors.increment();
            LOG.warn("service {}: cannot relay a connection from {}", service.label(), peer, e);
            return;
        }
        pair.start();
    }

    private void start() {
        rt.counters().accepted.increment();
        rt.flows().opened();
        if (service.closed()) {
            refuse();
            return;
        }
        VirtualService spec = service.table().service();
        if (!admit(spec)) {
            relay.closeBoth();
            return;
        }
        if (!keepAlive.equals(service.listenerKeepAlive())) {
            KeepAlive.apply(clientFd, keepAlive);
        }
        Backend b = route(clientAddress.getAddress());
        if (b == null) {
            relay.closeBoth();
            return;
        }
        connect(b);
    }

    private void refuse() {
        countRefused();
        relay.closeBoth();
    }

    private void connect(Backend b) {
        backend = b;
        attempts++;
        rt.flows().add(service.label(), b.label(), this);
        keepAlivePending = keepAlive.enabled();
        relay.connect(b.target(vipPort));
    }

    private void releaseBackend() {
        Backend b = backend;
        if (b != null) {
            backend = null;
            rt.flows().remove(service.label(), b.label(), this);
            b.release();
        }
    }

    @Override
    public void connected(int errno) {
        if (errno == 0) {
            wired = true;
            startSweeping(loop);
            relay.start();
            return;
        }
        Backend failed = backend;
        releaseBackend();
        rt.counters().connectFailures.increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("service {}: connect to {} failed: errno {}", service.label(), failed, errno);
        }
        if (attempts < MAX_ATTEMPTS && !service.closed()) {
            Backend next;
            try {
                next = service.retryCandidate(failed);
            } catch (RuntimeException e) {
                rt.counters().errors.increment();
                LOG.warn("service {}: route failed; closing the client", service.label(), e);
                relay.closeBoth();
                return;
            }
            if (next != null) {
                rt.counters().retries.increment();
                connect(next);
                return;
            }
        }
        relay.closeBoth();
    }

    @Override
    public void relayed(boolean fromClient, int bytes) {
        rt.counters().bytes(fromClient, bytes);
        Backend b = backend;
        if (b != null) {
            b.addBytes(fromClient, bytes);
        }
        if (idleTracked) {
            // Both sides: the source sent, and the destination is handed the bytes now. Stamped here rather than at
            // the send's completion, which the loop may see after the destination has read them: a completion seen
            // late must not make a side that took every byte look idle. A destination that does not read stops the
            // relay reading its source, so its stamp ages from here.
            long now = rt.clock().nanoTime();
            clientActiveAt = now;
            serverActiveAt = now;
        }
    }

    /** Part of a send was taken: the destination drains, if slowly; it is active. */
    @Override
    public void paused(boolean toClient) {
        rt.counters().pauses.increment();
        if (idleTracked) {
            long now = rt.clock().nanoTime();
            if (toClient) {
                clientActiveAt = now;
            } else {
                serverActiveAt = now;
            }
        }
    }

    /** The backend's slot goes as soon as the pair stops relaying, before its sockets are closed (the client may see
     * the close at once): as on Netty channels, where it goes with the backend channel's close. */
    @Override
    public void ending() {
        releaseBackend();
    }

    @Override
    public void ended(boolean error) {
        if (error) {
            rt.counters().errors.increment();
        }
        releaseBackend();
        ended = true;
        finish();
    }

    // ---- idle timeouts and the backend's keepalive (TcpFlow) ---------------------------------------------------

    @Override
    boolean done() {
        return ended || relay.ending();
    }

    @Override
    void applyBackendKeepAlive() {
        int fd = relay.serverFd();
        if (fd >= 0) {
            KeepAlive.apply(fd, keepAlive);
        }
    }

    @Override
    void closeIdle() {
        relay.closeBoth();
    }

    @Override
    public void abort() {
        relay.abort();
    }

    @Override
    public boolean datagram() {
        return false;
    }

    @Override
    public long pendingBytes() {
        return relay.pendingBytes();
    }

    // ---- for the tests of this package ----------------------------------------------------------------------------

    IoEventLoop loop() {
        return loop;
    }

    int vipPort() {
        return vipPort;
    }

    boolean clientOpen() {
        return !ended;
    }

    /** Connected to the backend, relaying, not ended. */
    boolean relaying() {
        return wired && !ended;
    }

    int clientFd() {
        return clientFd;
    }

    int serverFd() {
        return relay.serverFd();
    }
}
