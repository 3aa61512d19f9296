package io.lb4j.engine.proxy;

import io.lb4j.linux.LinuxException;
import io.lb4j.linux.StreamSocket;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.concurrent.Future;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * One proxied TCP connection relayed on a Netty io_uring event loop without Netty's channels: the client's socket
 * (accepted by a {@link UringListener}) and the backend's, every receive, send, connect and close an io_uring request
 * through one registration for the pair. What a Netty channel adds per connection (an address lookup per socket, a
 * family lookup per descriptor, {@code shutdown(SHUT_RD)} on each FIN, a pipeline and its promises) is not here.
 *
 * <p>Guarantees, the same as the channel relay's: every byte read from one side is sent to the other before that
 * side's FIN; a side's FIN is passed on ({@code shutdown(SHUT_WR)}) once everything it sent before it was handed to
 * the other socket, and the pair ends when both directions have; at most {@link UringBuffers#BULK_BYTES} per
 * direction are held here: a side is read again only once what was read from it left (back-pressure). A receive or
 * send error, or {@link #abort()}, ends both sides. Both descriptors are closed, and the memory returned, exactly
 * once, after every request on them completed. Needs Linux 5.19 (cancelling every request on a descriptor).
 *
 * <p>Confined to its event loop, except {@link #abort()}.
 */
final class UringRelay implements IoUringIoHandle {

    /** What the relay tells its owner; on the loop. */
    interface Events {
        /** The backend connect ended: 0, or the errno why it failed (the backend socket is then closed). */
        void connected(int errno);

        /** {@code bytes} read from one side, now being sent to the other. */
        void relayed(boolean fromClient, int bytes);

        /** A send took part of its bytes and goes on with the rest: the side they came from waits. */
        void paused(boolean toClient);

        /** The pair stops relaying (both FINs passed, a failure, a close or an abort); its sockets close next. */
        void ending();

        /** Both sockets are closed and every request completed; {@code error} when a receive or send failed. */
        void ended(boolean error);
    }

    // data of a request: its kind in the low bits, the direction (from the client) above them.
    private static final short CONNECT = 1;
    private static final short RECV = 2;
    private static final short SEND = 3;
    private static final short CLOSE = 4;
    private static final short CANCEL = 5;
    private static final short FROM_CLIENT = 1 << 4;

    private final IoEventLoop loop;
    private final UringBuffers buffers;
    private final Events events;
    private final int client;
    private int server = -1;
    private IoRegistration registration;
    private MemorySegment memory; // the sockaddr of the connect, then one buffer per direction
    private final Direction toServer = new Direction(true);
    private final Direction toClient = new Direction(false);
    private int outstanding; // requests submitted and not completed
    private int closing; // closes submitted and not completed
    private boolean ending; // no more receives or sends: shut down, waiting for outstanding requests
    private boolean error;
    private boolean ended;

    private final class Direction {
        final boolean fromClient;
        long buffer;
        int capacity = UringBuffers.DIRECTION_BYTES;
        MemorySegment bulk; // a larger buffer, once a receive filled the first one: a transfer, not a dialogue
        volatile int length; // volatile with sent: pendingBytes() reads them from other threads
        volatile int sent;
        boolean finPassed;

        Direction(boolean fromClient) {
            this.fromClient = fromClient;
        }

        int source() {
            return fromClient ? client : server;
        }

        int destination() {
            return fromClient ? server : client;
        }

        short data(short kind) {
            return (short) (kind | (fromClient ? FROM_CLIENT : 0));
        }
    }

    UringRelay(IoEventLoop loop, UringBuffers buffers, int client, Events events) {
        this.loop = loop;
        this.buffers = buffers;
        this.client = client;
        this.events = events;
    }

    /** Registers with the loop and takes the pair's memory; on the loop, before anything else. */
    void open() throws Exception {
        Future<IoRegistration> f = loop.register(this);
        if (!f.isDone()) {
            throw new IllegalStateException("register() must be called on the relay's event loop");
        }
        registration = f.getNow();
        if (registration == null) {
            throw new IllegalStateException("cannot register with the io_uring loop", f.cause());
        }
        memory = buffers.take();
        toServer.buffer = memory.address() + UringBuffers.FIRST_BUFFER;
        toClient.buffer = toServer.buffer + UringBuffers.DIRECTION_BYTES;
    }

    /** Connects a new backend socket to {@code target}; {@link Events#connected} says how it went. */
    void connect(InetSocketAddress target) {
        try {
            server = StreamSocket.connecting(target);
        } catch (LinuxException e) {
            events.connected(e.errno());
            return;
        }
        MemorySegment address = StreamSocket.sockaddr(memory, target);
        submit(UringOps.connect(server, address.address(), (int) address.byteSize(), CONNECT));
    }

    /** The backend socket's descriptor, or -1 while there is none. */
    int serverFd() {
        return server;
    }

    /** Whether the pair is ending or ended: nothing more is relayed. */
    boolean ending() {
        return ending || ended;
    }

    /** Bytes read from one side and not yet taken by the other; a racy read, for gauges. */
    long pendingBytes() {
        return (long) (toServer.length - toServer.sent) + (toClient.length - toClient.sent);
    }

    /** Starts relaying both ways; after a successful connect. */
    void start() {
        recv(toServer);
        recv(toClient);
    }

    /** Resets both sides (SO_LINGER 0) and ends the pair; from any thread. */
    void abort() {
        if (loop.inEventLoop()) {
            abort0();
            return;
        }
        try {
            loop.execute(this::abort0);
        } catch (RejectedExecutionException e) {
            // The loop is shutting down: it closes this relay's descriptors itself (close()).
        }
    }

    private void abort0() {
        if (ended || closing > 0) {
            return;
        }
        StreamSocket.resetOnClose(client);
        if (server >= 0) {
            StreamSocket.resetOnClose(server);
        }
        end(false);
    }

    /** Ends the pair without a reset: the client's socket, and the backend's if any, are closed. On the loop. */
    void closeBoth() {
        if (!ended && closing == 0) {
            end(false);
        }
    }

    private void recv(Direction d) {
        submit(UringOps.recv(d.source(), d.buffer, d.capacity, d.data(RECV)));
    }

    private void send(Direction d) {
        submit(UringOps.send(d.destination(), d.buffer + d.sent, d.length - d.sent, d.data(SEND)));
    }

    private void submit(IoUringIoOps ops) {
        outstanding++;
        registration.submit(ops);
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        IoUringIoEvent e = (IoUringIoEvent) event;
        outstanding--;
        int res = e.res();
        short data = e.data();
        Direction d = (data & FROM_CLIENT) != 0 ? toServer : toClient;
        switch (data & ~FROM_CLIENT) {
            case CONNECT -> connectDone(res);
            case RECV -> received(d, res);
            case SEND -> sent(d, res);
            case CLOSE -> closed();
            case CANCEL -> { } // the requests it cancelled complete on their own
            default -> throw new IllegalStateException("unknown request " + data);
        }
        if (ending && outstanding == closing) {
            closeAll();
        }
    }

    private void connectDone(int res) {
        if (res < 0) {
            int fd = server;
            server = -1;
            StreamSocket.close(fd); // no request is left on it
            if (!ending) {
                events.connected(-res);
            }
            return;
        }
        if (!ending) {
            events.connected(0);
        }
    }

    private void received(Direction d, int res) {
        if (ending) {
            return;
        }
        if (res > 0) {
            if (res == d.capacity && d.bulk == null) {
                // Full: bytes come faster than one buffer's worth per round. The next receives take the bulk buffer
                // (fewer requests per megabyte); this one is sent from where it landed.
                d.bulk = buffers.takeBulk();
            }
            d.length = res;
            d.sent = 0;
            events.relayed(d.fromClient, res);
            send(d);
        } else if (res == 0) {
            // The source's FIN, after everything it sent: this direction's bytes are all in the destination's kernel.
            if (StreamSocket.shutdown(d.destination(), StreamSocket.SHUT_WR) != 0) {
                end(true); // the destination reset meanwhile (ENOTCONN)
                return;
            }
            d.finPassed = true;
            if (toServer.finPassed && toClient.finPassed) {
                end(false);
            }
        } else {
            end(true);
        }
    }

    private void sent(Direction d, int res) {
        if (ending) {
            return;
        }
        if (res < 0) {
            end(true);
            return;
        }
        d.sent += res;
        if (d.sent < d.length) {
            events.paused(!d.fromClient);
            send(d);
        } else {
            if (d.bulk != null && d.capacity != UringBuffers.BULK_BYTES) {
                d.buffer = d.bulk.address();
                d.capacity = UringBuffers.BULK_BYTES;
            }
            recv(d);
        }
    }

    /**
     * No more receives or sends. Requests still pending (a receive waits for bytes that may never come, a send for a
     * peer that does not read) are cancelled; the closes follow once every request completed, as a descriptor closed
     * under a pending request would stay open until that request ended.
     */
    private void end(boolean failed) {
        if (ending) {
            return;
        }
        ending = true;
        error |= failed;
        events.ending();
        if (outstanding > 0) {
            submit(UringOps.cancelAll(client, CANCEL));
            if (server >= 0) {
                submit(UringOps.cancelAll(server, CANCEL));
            }
        } else {
            closeAll();
        }
    }

    private void closeAll() {
        if (closing > 0 || ended) {
            return;
        }
        closing = server >= 0 ? 2 : 1;
        submit(UringOps.close(client, CLOSE));
        if (server >= 0) {
            submit(UringOps.close(server, CLOSE));
        }
    }

    private void closed() {
        if (--closing > 0) {
            return;
        }
        ended = true;
        closing = -1; // never again
        registration.cancel();
        buffers.give(memory);
        memory = null;
        for (Direction d : new Direction[]{toServer, toClient}) {
            if (d.bulk != null) {
                buffers.giveBulk(d.bulk);
                d.bulk = null;
            }
        }
        events.ended(error);
    }

    @Override
    public void close() {
        // The loop is shutting down: it closes its ring, and with it every request; the descriptors go here.
        if (!ended) {
            ended = true;
            StreamSocket.close(client);
            if (server >= 0) {
                StreamSocket.close(server);
            }
        }
    }
}
