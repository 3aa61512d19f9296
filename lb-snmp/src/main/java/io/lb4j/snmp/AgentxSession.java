package io.lb4j.snmp;

import io.lb4j.api.status.BalancerStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The subagent's one thread: connects to the master agent, opens a session, registers {@code lb4jMIB}, answers
 * Get, GetNext and GetBulk from a fresh {@link BalancerStatus} per request, sends queued notifications, pings
 * the master when idle, and on any loss (snmpd restarted, a Close, a timeout, a broken stream) reconnects with
 * exponential backoff. A PDU that breaks the encoding is counted and answered with parseError; a header that
 * breaks the framing ends the connection (the stream cannot be resynchronised) and is counted too.
 */
final class AgentxSession implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(AgentxSession.class);

    /** Bounds a GetBulk's answer whatever max-repetitions asks: snmpd's own limit is far below. */
    static final int MAX_VARBINDS = 4096;
    /** Notifications kept while no session is open; older ones go first when it fills. */
    static final int QUEUE_CAPACITY = 256;
    private static final int PRIORITY = 127;

    private enum Phase { OPENING, REGISTERING, READY }

    private final AgentxAddress address;
    private final Supplier<BalancerStatus> status;
    private final Supplier<VrrpRole> vrrp;
    private final long minBackoffNanos;
    private final long maxBackoffNanos;
    private final long responseTimeoutNanos;
    private final long pingIntervalNanos;
    private final long startNanos = System.nanoTime();
    private final BlockingQueue<List<Varbind>> notifications = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Object sleeper = new Object();

    final AtomicLong sessions = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong notificationsSent = new AtomicLong();
    final AtomicLong notificationsDropped = new AtomicLong();
    private volatile boolean ready;
    private volatile boolean stopping;
    private volatile Selector selector;

    // Owned by the session thread.
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private Phase phase;
    private int sessionId;
    private int nextPacketId;
    private int awaitedPacketId;
    private long awaitedSince;
    private long lastPing;

    AgentxSession(AgentxAddress address, Supplier<BalancerStatus> status, Supplier<VrrpRole> vrrp,
                  Duration minBackoff, Duration maxBackoff, Duration responseTimeout, Duration pingInterval) {
        this.address = address;
        this.status = status;
        this.vrrp = vrrp;
        this.minBackoffNanos = minBackoff.toNanos();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.responseTimeoutNanos = responseTimeout.toNanos();
        this.pingIntervalNanos = pingInterval.toNanos();
    }

    boolean isReady() {
        return ready;
    }

    /** Queues a notification for the session thread; thread-safe, never blocks. */
    void offer(List<Varbind> notification) {
        while (!notifications.offer(notification)) {
            if (notifications.poll() != null) {
                notificationsDropped.incrementAndGet();
            }
        }
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    /** Asks the thread to close the session and end; thread-safe. */
    void stop() {
        stopping = true;
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
    }

    @Override
    public void run() {
        long backoff = minBackoffNanos;
        boolean reported = false;
        while (!stopping) {
            boolean wasReady = false;
            try (SocketChannel channel = open(); Selector s = Selector.open()) {
                selector = s;
                if (stopping) {
                    break;
                }
                serve(channel, s);
            } catch (IOException | RuntimeException e) {
                wasReady = ready;
                if (!stopping && (wasReady || !reported)) {
                    log.warn("lb4j SNMP: AgentX master {} {}: {}; reconnecting with backoff up to {} ms", address,
                            wasReady ? "lost" : "unreachable", e.getMessage(), maxBackoffNanos / 1_000_000);
                    reported = true;
                } else {
                    log.debug("lb4j SNMP: AgentX master {} still unreachable: {}", address, e.toString());
                }
            } finally {
                selector = null;
                wasReady |= ready;
                ready = false;
                out.clear();
            }
            if (wasReady) {
                backoff = minBackoffNanos;
            }
            pause(backoff);
            backoff = Math.min(maxBackoffNanos, backoff * 2);
        }
    }

    private SocketChannel open() throws IOException {
        SocketChannel channel = address.family() == StandardProtocolFamily.UNIX
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            channel.connect(address.resolved());
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void pause(long nanos) {
        long deadline = System.nanoTime() + nanos;
        synchronized (sleeper) {
            long left;
            while (!stopping && (left = deadline - System.nanoTime()) > 0) {
                try {
                    sleeper.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopping = true;
                }
            }
        }
    }

    private void serve(SocketChannel channel, Selector s) throws IOException {
        SelectionKey key = channel.register(s, SelectionKey.OP_READ);
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        phase = Phase.OPENING;
        sessionId = 0;
        await(send(AgentxCodec.open(packetId(), 0, Lb4jMib.ROOT, "lb4j load balancer")));
        while (!stopping) {
            flush(channel, key);
            s.select(1000);
            s.selectedKeys().clear();
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("the master closed the connection");
            }
            in = frames(in);
            if (phase == Phase.READY) {
                List<Varbind> notification;
                while ((notification = notifications.poll()) != null) {
                    send(AgentxCodec.notify(sessionId, packetId(), withUptime(notification)));
                    notificationsSent.incrementAndGet();
                }
            }
            long now = System.nanoTime();
            if (awaitedPacketId != 0 && now - awaitedSince > responseTimeoutNanos) {
                throw new IOException("no answer to packet " + awaitedPacketId + " within "
                        + responseTimeoutNanos / 1_000_000 + " ms");
            }
            if (phase == Phase.READY && awaitedPacketId == 0 && now - lastPing >= pingIntervalNanos) {
                lastPing = now;
                await(send(AgentxCodec.ping(sessionId, packetId())));
            }
        }
        if (phase == Phase.READY) {
            // A clean goodbye lets snmpd drop the registration now instead of after its timeout.
            // A few tries suffice: the PDU is 24 bytes and the socket is idle; a master that reads nothing any
            // more gets no more of our time, it will see the connection close.
            send(AgentxCodec.close(sessionId, packetId(), AgentxCodec.REASON_SHUTDOWN));
            for (int tries = 0; tries < 100 && !out.isEmpty(); tries++) {
                flush(channel, key);
            }
        }
    }

    /** Handles every whole PDU in {@code in} (in write mode); returns the buffer to keep reading into. */
    private ByteBuffer frames(ByteBuffer in) throws IOException {
        in.flip();
        while (in.remaining() >= AgentxCodec.HEADER_LENGTH) {
            int length;
            try {
                length = AgentxCodec.payloadLength(in, in.position());
            } catch (AgentxFormatException e) {
                malformed.incrementAndGet();
                throw new IOException("unreadable AgentX stream: " + e.getMessage());
            }
            int total = AgentxCodec.HEADER_LENGTH + length;
            if (in.remaining() < total) {
                if (total > in.capacity()) {
                    ByteBuffer bigger = ByteBuffer.allocate(total);
                    bigger.put(in);
                    return bigger;
                }
                break;
            }
            ByteBuffer pdu = in.slice(in.position(), total);
            in.position(in.position() + total);
            handle(pdu);
        }
        in.compact();
        return in;
    }

    private void handle(ByteBuffer bytes) throws IOException {
        AgentxPdu pdu;
        try {
            pdu = AgentxCodec.decode(bytes);
        } catch (AgentxFormatException e) {
            malformed.incrementAndGet();
            log.debug("lb4j SNMP: dropped a malformed AgentX PDU: {}", e.getMessage());
            AgentxPdu ids = idsOf(bytes);
            if (ids.type() != AgentxCodec.RESPONSE) {
                send(AgentxCodec.response(ids, uptime(), AgentxCodec.PARSE_ERROR, 0, List.of()));
            }
            return;
        }
        switch (pdu.type()) {
            case AgentxCodec.RESPONSE -> response(pdu);
            case AgentxCodec.GET, AgentxCodec.GET_NEXT, AgentxCodec.GET_BULK -> {
                requests.incrementAndGet();
                List<Varbind> answer;
                try {
                    answer = answer(pdu);
                } catch (RuntimeException e) {
                    log.warn("lb4j SNMP: could not answer {}: {}", pdu.typeName(), e.toString());
                    send(AgentxCodec.response(pdu, uptime(), AgentxCodec.PROCESSING_ERROR, 0, List.of()));
                    return;
                }
                send(AgentxCodec.response(pdu, uptime(), AgentxCodec.NO_ERROR, 0, answer));
            }
            case AgentxCodec.TEST_SET -> send(AgentxCodec.response(pdu, uptime(), AgentxCodec.NOT_WRITABLE, 1,
                    List.of()));
            case AgentxCodec.COMMIT_SET, AgentxCodec.UNDO_SET ->
                    send(AgentxCodec.response(pdu, uptime(), AgentxCodec.NO_ERROR, 0, List.of()));
            case AgentxCodec.CLEANUP_SET -> { } // RFC 2741 7.2.4.4: no response
            case AgentxCodec.CLOSE -> throw new IOException("the master closed the session (reason "
                    + pdu.reason() + ")");
            default -> {
                malformed.incrementAndGet();
                log.debug("lb4j SNMP: dropped an unexpected {} from the master", pdu.typeName());
            }
        }
    }

    private void response(AgentxPdu pdu) throws IOException {
        if (pdu.packetId() != awaitedPacketId) {
            if (pdu.error() != AgentxCodec.NO_ERROR) {
                log.debug("lb4j SNMP: the master answered packet {} with error {}", pdu.packetId(), pdu.error());
            }
            return; // a Notify's response
        }
        awaitedPacketId = 0;
        if (pdu.error() != AgentxCodec.NO_ERROR) {
            throw new IOException("the master refused " + (phase == Phase.OPENING ? "the session"
                    : phase == Phase.REGISTERING ? "the registration of " + Lb4jMib.ROOT : "a ping")
                    + " (AgentX error " + pdu.error() + ")");
        }
        switch (phase) {
            case OPENING -> {
                sessionId = pdu.sessionId();
                phase = Phase.REGISTERING;
                await(send(AgentxCodec.register(sessionId, packetId(), Lb4jMib.ROOT, PRIORITY)));
            }
            case REGISTERING -> {
                phase = Phase.READY;
                lastPing = System.nanoTime();
                ready = true;
                sessions.incrementAndGet();
                log.info("lb4j SNMP: AgentX session {} open with {}, serving {}", sessionId, address, Lb4jMib.ROOT);
            }
            case READY -> { } // a ping answered
        }
    }

    private List<Varbind> answer(AgentxPdu pdu) {
        NavigableMap<Oid, Varbind> view = Lb4jMib.instances(status.get(), vrrp.get());
        List<Varbind> answer = new ArrayList<>();
        List<AgentxPdu.SearchRange> ranges = pdu.ranges();
        switch (pdu.type()) {
            case AgentxCodec.GET -> {
                for (AgentxPdu.SearchRange range : ranges) {
                    Varbind v = view.get(range.start());
                    answer.add(v != null ? v : Varbind.empty(range.start(), Lb4jMib.isUnderObject(range.start())
                            ? Varbind.NO_SUCH_INSTANCE : Varbind.NO_SUCH_OBJECT));
                }
            }
            case AgentxCodec.GET_NEXT -> ranges.forEach(range -> answer.add(next(view, range)));
            default -> {
                int nonRepeaters = Math.min(pdu.nonRepeaters(), ranges.size());
                for (int i = 0; i < nonRepeaters; i++) {
                    answer.add(next(view, ranges.get(i)));
                }
                List<AgentxPdu.SearchRange> repeaters = new ArrayList<>(ranges.subList(nonRepeaters, ranges.size()));
                for (int rep = 0; rep < pdu.maxRepetitions() && !repeaters.isEmpty(); rep++) {
                    boolean any = false;
                    for (int j = 0; j < repeaters.size() && answer.size() < MAX_VARBINDS; j++) {
                        AgentxPdu.SearchRange range = repeaters.get(j);
                        Varbind v = next(view, range);
                        answer.add(v);
                        if (v.type() != Varbind.END_OF_MIB_VIEW) {
                            any = true;
                            repeaters.set(j, new AgentxPdu.SearchRange(v.name(), false, range.end()));
                        }
                    }
                    if (!any || answer.size() >= MAX_VARBINDS) {
                        break;
                    }
                }
            }
        }
        return answer;
    }

    private static Varbind next(NavigableMap<Oid, Varbind> view, AgentxPdu.SearchRange range) {
        Map.Entry<Oid, Varbind> e = range.include() ? view.ceilingEntry(range.start())
                : view.higherEntry(range.start());
        if (e == null || (!range.end().isNull() && e.getKey().compareTo(range.end()) >= 0)) {
            return Varbind.empty(range.start(), Varbind.END_OF_MIB_VIEW);
        }
        return e.getValue();
    }

    /** sysUpTime.0 first (RFC 2741 7.1.10 lets the subagent give it), then snmpTrapOID.0 and the objects. */
    private List<Varbind> withUptime(List<Varbind> notification) {
        List<Varbind> all = new ArrayList<>(notification.size() + 1);
        all.add(new Varbind(Oid.parse("1.3.6.1.2.1.1.3.0"), Varbind.TIME_TICKS, (long) uptime()));
        all.addAll(notification);
        return all;
    }

    /** The ids of a PDU whose payload could not be decoded, to address the parseError answer. */
    private static AgentxPdu idsOf(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order((bytes.get(bytes.position() + 2) & AgentxCodec.FLAG_NETWORK_BYTE_ORDER)
                != 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = b.position();
        return new AgentxPdu(b.get(at + 1) & 0xFF, 0, b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12),
                List.of(), 0, 0, 0, 0, 0);
    }

    private int packetId() {
        nextPacketId = nextPacketId == Integer.MAX_VALUE ? 1 : nextPacketId + 1;
        return nextPacketId;
    }

    /** Hundredths of a second since the agent was built, wrapping as TimeTicks do. */
    private int uptime() {
        return (int) ((System.nanoTime() - startNanos) / 10_000_000L);
    }

    private ByteBuffer send(ByteBuffer pdu) {
        out.add(pdu);
        return pdu;
    }

    private void await(ByteBuffer pdu) {
        awaitedPacketId = pdu.getInt(12);
        awaitedSince = System.nanoTime();
    }

    /** Writes what is queued; when the socket is full, asks the selector for OP_WRITE instead of spinning. */
    private void flush(SocketChannel channel, SelectionKey key) throws IOException {
        while (!out.isEmpty()) {
            ByteBuffer head = out.peek();
            channel.write(head);
            if (head.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
            out.poll();
        }
        key.interestOps(SelectionKey.OP_READ);
    }
}
