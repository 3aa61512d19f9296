package io.lb4j.engine.proxy;

import io.lb4j.api.TcpKeepAlive;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.StreamSocket;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * A TCP listener on a Netty io_uring event loop without a Netty server channel: an accept request at a time hands
 * every accepted descriptor (non-blocking, close-on-exec, {@code TCP_NODELAY} inherited from the listener) and its
 * peer's address to {@code accepted}, on the loop. The accepted descriptor belongs to the callee.
 *
 * <p>One request at a time rather than a multishot one: the kernel writes each peer's address into the request's
 * buffer, which a multishot request would share between connections, and the balancer routes on that address. A
 * backlog of connections is still accepted in one pass of the loop: each new request completes at once.
 */
final class UringListener implements IoUringIoHandle, VipListener {

    private static final short ACCEPT = 1;
    private static final short CLOSE = 2;
    private static final short CANCEL = 3;

    private final IoEventLoop loop;
    private final int fd;
    private final int port;
    private final Accepted accepted;
    private final MemorySegment peer = Arena.ofAuto().allocate(StreamSocket.SOCKADDR_SIZE + 8, 8);

    /** Takes an accepted connection. */
    @FunctionalInterface
    interface Accepted {
        /** {@code fd} is the connection's descriptor, {@code peer} the client's address. */
        void accept(int fd, InetSocketAddress peer);
    }
    private IoRegistration registration;
    private boolean closing;
    private boolean acceptPending;
    private Promise<Void> closed;

    private UringListener(IoEventLoop loop, int fd, int port, Accepted accepted) {
        this.loop = loop;
        this.fd = fd;
        this.port = port;
        this.accepted = accepted;
    }

    /**
     * Binds {@code local} and starts accepting on {@code loop}; from any thread, waits for the registration.
     *
     * @throws LinuxException naming {@code local} when it cannot be bound
     */
    static UringListener open(IoEventLoop loop, InetSocketAddress local, int backlog, int receiveBuffer,
                              Accepted accepted) throws LinuxException {
        int fd = StreamSocket.listen(local, backlog, receiveBuffer);
        UringListener l;
        try {
            l = new UringListener(loop, fd, StreamSocket.localPort(fd), accepted);
        } catch (LinuxException e) {
            StreamSocket.close(fd);
            throw e;
        }
        Future<?> started = loop.submit(() -> {
            Future<IoRegistration> registered = loop.register(l);
            if (!registered.isSuccess()) { // on the loop, registration completes at once
                throw new IllegalStateException("cannot register with the io_uring loop", registered.cause());
            }
            l.registration = registered.getNow();
            l.arm();
            return null;
        });
        if (!started.awaitUninterruptibly().isSuccess()) {
            StreamSocket.close(fd);
            throw new IllegalStateException("cannot register a listener on " + local, started.cause());
        }
        return l;
    }

    /** The port bound (the one asked for, or the kernel's choice for port 0). */
    int port() {
        return port;
    }

    private void arm() {
        acceptPending = true;
        peer.set(ValueLayout.JAVA_INT, StreamSocket.SOCKADDR_SIZE, StreamSocket.SOCKADDR_SIZE); // socklen_t in/out
        registration.submit(UringOps.accept(fd, peer.address(), peer.address() + StreamSocket.SOCKADDR_SIZE, ACCEPT));
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        IoUringIoEvent e = (IoUringIoEvent) event;
        if (e.data() == CLOSE) {
            registration.cancel();
            closed.setSuccess(null);
            return;
        }
        if (e.data() == CANCEL) {
            return; // the accept it cancelled completes on its own
        }
        acceptPending = false;
        int res = e.res();
        if (res >= 0) {
            if (closing) {
                StreamSocket.close(res);
            } else {
                accepted.accept(res, StreamSocket.address(peer));
            }
        }
        // After an accept error (EMFILE, ENFILE, ENOBUFS) arming again retries with the next connection rather than
        // leaving the port deaf.
        if (closing) {
            registration.submit(UringOps.close(fd, CLOSE));
        } else {
            arm();
        }
    }

    @Override
    public boolean keepAliveForAccepted(TcpKeepAlive keepAlive) {
        return KeepAlive.applyToListener(fd, keepAlive);
    }

    /** Stops accepting and closes the listening socket; from any thread. The future completes once it is closed. */
    @Override
    public Future<Void> closeListener() {
        Promise<Void> p = loop.newPromise();
        loop.execute(() -> {
            if (closing) {
                closed.addListener(f -> p.setSuccess(null));
                return;
            }
            closing = true;
            closed = p;
            if (acceptPending) {
                // Cancels the pending accept, whose completion then closes the socket.
                registration.submit(UringOps.cancelAll(fd, CANCEL));
            } else {
                registration.submit(UringOps.close(fd, CLOSE));
            }
        });
        return p;
    }

    @Override
    public void close() {
        // The loop is shutting down with this listener still open.
        if (!closing) {
            closing = true;
            StreamSocket.close(fd);
        }
    }
}
