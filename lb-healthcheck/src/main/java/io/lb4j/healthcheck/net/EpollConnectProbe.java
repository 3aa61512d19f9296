package io.lb4j.healthcheck.net;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.lb4j.linux.ConnectSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * One connect check as a bare non-blocking socket on the check loop's epoll, without a Netty channel: socket,
 * {@code TCP_QUICKACK 0}, connect, one {@code epoll_ctl} and a wait for writability, {@code SO_LINGER 0}, close. Six
 * system calls per check where HAProxy's connect check makes eight; {@code SO_ERROR} is read only when the event
 * reports an error. The socket is lb-linux's {@link ConnectSocket}, not Netty's {@code LinuxSocket}, whose constructor
 * asks the kernel for the family ({@code getsockname}) it was just made with. A channel made fifteen
 * ({@code getpeername}, option and buffer reads, four {@code epoll_ctl}) and a pipeline, promises and handlers on the
 * Java side. Needs native access for lb-linux ({@link CheckTransport} checks).
 *
 * <p>The future completes once: {@code null} when the handshake completed (the socket is then closed with
 * {@code SO_LINGER 0}: an RST, no TIME_WAIT, as HAProxy does), or an {@link IOException} whose message is the
 * operator's reason, the same words as the channel path ({@link Reasons#describe}). Cancelling it closes the socket.
 * Everything but {@link #cancel} runs on the loop, so the fields need no synchronisation. Not part of the public API.
 */
final class EpollConnectProbe extends CompletableFuture<Void> implements EpollIoHandle, Runnable {

    private static final int WRITABLE = EpollIoOps.EPOLLOUT.value();
    /** EPOLLERR, and EPOLLHUP (0x10, which Netty names no constant for). */
    private static final int ERROR_OR_HANG_UP = EpollIoOps.EPOLLERR.value() | 0x10;

    private final IoEventLoop loop;
    private final InetSocketAddress remote;
    private final Duration timeout;
    /** The socket, for the loop's epoll and its close; null until made. */
    private FileDescriptor socket;
    private IoRegistration registration;
    /** When the connect times out, {@link System#nanoTime()}; kept by {@link ProbeDeadlines}. */
    long deadlineNanos;

    private EpollConnectProbe(IoEventLoop loop, InetSocketAddress remote, Duration timeout) {
        this.loop = loop;
        this.remote = remote;
        this.timeout = timeout;
    }

    /**
     * Starts a connect to the resolved address {@code remote} on {@code loop}, an epoll loop; at once when called on
     * that loop, else handed to it.
     */
    static CompletableFuture<Void> start(IoEventLoop loop, ProbeDeadlines deadlines, InetSocketAddress remote,
                                         Duration timeout) {
        EpollConnectProbe probe = new EpollConnectProbe(loop, remote, timeout);
        if (loop.inEventLoop()) {
            probe.connect(deadlines);
        } else {
            try {
                loop.execute(() -> probe.connect(deadlines));
            } catch (RejectedExecutionException e) {
                probe.fail("health-check loop shut down", e);
            }
        }
        return probe;
    }

    private void connect(ProbeDeadlines deadlines) {
        if (isDone()) {
            return; // cancelled before it started
        }
        try {
            // Quick ACK off, as HAProxy's connect check: the server sees SYN and RST, so no accept, no child socket,
            // no wake-up of its accept thread, and on loopback that work is done in the checker's own system calls.
            socket = new FileDescriptor(ConnectSocket.open(remote));
            if (ConnectSocket.connect(socket.intValue(), remote)) {
                connected();
                return;
            }
            // In progress (the usual case, even on loopback): wait for writability. Netty adds the fd with EPOLLERR
            // only, hence the submit.
            registration = loop.register(this).getNow();
            if (registration == null) {
                throw new IOException("cannot register the check socket with the loop");
            }
            registration.submit(EpollIoOps.EPOLLOUT);
            deadlines.add(this, timeout);
        } catch (Exception e) {
            fail(Reasons.describe(e, timeout), e);
        }
    }

    /** Writable or in error: the handshake is over one way or the other. */
    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (isDone()) {
            closeSocket();
            return;
        }
        try {
            int ops = ((EpollIoEvent) event).ops().value();
            if ((ops & ERROR_OR_HANG_UP) == 0) {
                // Writable without an error: the handshake completed. As HAProxy does, the event says so; asking
                // the socket (getsockopt SO_ERROR) would be one more system call per check to learn the same.
                if ((ops & WRITABLE) != 0) {
                    connected();
                }
                // Neither (a spurious wake-up): keep waiting, the deadline still holds.
                return;
            }
            // Refused, unreachable or reset: SO_ERROR says which, for the operator's reason.
            ConnectSocket.throwIfFailed(socket.intValue(), remote);
            connected(); // an error event without an error: the handshake completed after all
        } catch (Exception e) {
            fail(Reasons.describe(e, timeout), e);
        }
    }

    /** The deadline passed ({@link ProbeDeadlines}); nothing when the probe is done already. */
    @Override
    public void run() {
        if (!isDone()) {
            fail("timed out after " + Reasons.format(timeout), null);
        }
    }

    private void connected() {
        try {
            ConnectSocket.resetOnClose(socket.intValue()); // only now: a failed one has no connection to reset
        } catch (IOException ignored) {
            // the peer reset it already: closing is all there is to do
        }
        closeSocket();
        complete(null);
    }

    /** The message is the operator's reason, as on the channel path; no stack trace for the expected ones. */
    private void fail(String reason, Throwable cause) {
        closeSocket();
        completeExceptionally(new Failure(reason, cause));
    }

    /** A failed check: a down backend fails thousands a second, and where it failed is known without a trace. */
    private static final class Failure extends IOException {

        Failure(String reason, Throwable cause) {
            super(reason, cause);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * Closes the descriptor before leaving epoll: a closed descriptor leaves the epoll set by itself, so the
     * registration's cancel then skips its {@code epoll_ctl(DEL)}, one system call less per check.
     */
    private void closeSocket() {
        FileDescriptor s = socket;
        if (s != null && s.isOpen()) {
            try {
                s.close();
            } catch (IOException ignored) {
                // the descriptor is released whatever close reports
            }
        }
        IoRegistration r = registration;
        registration = null;
        if (r != null) {
            r.cancel();
        }
    }

    /** Given up (the monitor's timeout): the socket goes at once, on the loop. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            if (loop.inEventLoop()) {
                closeSocket();
            } else {
                try {
                    loop.execute(this::closeSocket);
                } catch (RejectedExecutionException e) {
                    // the loop is gone and closed its registrations (close() below) on the way out
                }
            }
        }
        return cancelled;
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    /** The loop shuts down with the check in flight. */
    @Override
    public void close() {
        if (!isDone()) {
            fail("health-check loop shut down", null);
        } else {
            closeSocket();
        }
    }

    @Override
    public String toString() {
        return "EpollConnectProbe[" + remote + "]";
    }
}
