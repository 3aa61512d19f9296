package io.lb4j.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Subscription;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Fans the balancer's events out to Server-Sent-Event clients. The balancer calls listeners synchronously on its
 * own threads, so the listener only offers to each client's bounded queue; each client's request thread writes.
 * A client too slow to keep up (queue full) is disconnected rather than allowed to hold memory or the balancer;
 * its browser reconnects and reloads the status. Between events every client gets a status snapshot every
 * {@code statusInterval}, which carries connection counts (they change without events) and doubles as a
 * keep-alive that finds dead clients. The status includes the clustered pair's ({@code pair}) and the active-active
 * cluster's ({@code cluster}), and a change the embedder reports ({@link #pairChanged()}, {@link #clusterChanged()})
 * goes out at once as an {@code event: pair} or {@code event: cluster}.
 *
 * <p>Bounded: at most {@code maxStreams} streams at once and {@code maxPerSession} per session ({@link #open}
 * refuses more). A stream lives no longer than its session: {@link #endSession} closes it at logout, and it checks
 * its session at every status interval, so it ends within one interval of the session's expiry. Each write must
 * finish within the write timeout, or the connection is closed. Thread-safe.
 */
final class EventHub implements AutoCloseable {

    private static final Object CLOSE = new Object();
    /** Queued by {@link #pairChanged()}: the client's thread reads the pair status when it writes the event. */
    private static final Object PAIR = new Object();
    /** Queued by {@link #clusterChanged()}, read like {@link #PAIR}. */
    private static final Object CLUSTER = new Object();

    /** One open stream: its session and its queue. */
    static final class Client {
        final String session;
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1024);

        private Client(String session) {
            this.session = session;
        }
    }

    /** {@link #open} refused: too many streams. */
    static final class TooManyStreams extends Exception {
        private static final long serialVersionUID = 1L;

        TooManyStreams(String message) {
            super(message, null, false, false);
        }
    }

    private final LoadBalancer balancer;
    private final PairView pair;
    private final ClusterView cluster;
    private final Duration statusInterval;
    private final Permits permits;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final Subscription subscription;
    private volatile boolean closed;

    EventHub(LoadBalancer balancer, PairView pair, ClusterView cluster, Duration statusInterval, int maxStreams,
             int maxPerSession) {
        this.balancer = balancer;
        this.pair = pair;
        this.cluster = cluster;
        this.statusInterval = statusInterval;
        this.permits = new Permits(maxStreams, maxPerSession);
        this.subscription = balancer.events().subscribe(this::publish);
    }

    private void publish(Object e) {
        for (Client c : clients) {
            if (!c.queue.offer(e)) {
                c.queue.clear();
                c.queue.offer(CLOSE);
            }
        }
    }

    /**
     * Tells every client the pair status changed. Only offers to the queues, like {@link #publish}: the caller may be
     * the VRRP instance's own thread, which must never wait on a slow browser.
     */
    void pairChanged() {
        if (!closed) {
            publish(PAIR);
        }
    }

    /** Tells every client the cluster node's routes changed; never waits, like {@link #pairChanged()}. */
    void clusterChanged() {
        if (!closed) {
            publish(CLUSTER);
        }
    }

    /**
     * Takes a stream's place for {@code session}; call before sending the response headers, and {@link #stream}
     * after. The place is held until {@link #stream} returns.
     *
     * @throws TooManyStreams when the session or the server has as many streams as allowed
     */
    Client open(String session) throws TooManyStreams {
        switch (permits.tryAcquire(session)) {
            case KEY_FULL -> throw new TooManyStreams(permits.perKey() + " event streams are open for this session"
                    + " (expected: at most " + permits.perKey() + "; close a page, or raise"
                    + " admin.maxEventStreamsPerSession)");
            case TOTAL_FULL -> throw new TooManyStreams(permits.total() + " event streams are open on this server"
                    + " (expected: at most " + permits.total() + "; raise admin.maxEventStreams)");
            case ACQUIRED -> {
                Client c = new Client(session);
                clients.add(c);
                return c;
            }
        }
        throw new AssertionError();
    }

    /** Gives back the place of a stream that never started (the response headers could not be sent). */
    void abandon(Client client) {
        clients.remove(client);
        permits.release(client.session);
    }

    /** Ends the streams of a session that ended (logout, expiry). */
    void endSession(String session) {
        for (Client c : clients) {
            if (c.session.equals(session)) {
                c.queue.clear();
                c.queue.offer(CLOSE);
            }
        }
    }

    /**
     * Streams to {@code out} until the client goes away, its session ends or the hub closes; the response headers
     * are sent. Each write is armed with {@code writeTimeout} on {@code deadline}.
     *
     * @param alive whether a session is still live, without touching it
     */
    void stream(Client client, OutputStream out, Deadline deadline, Duration writeTimeout, Predicate<String> alive)
            throws IOException {
        Writer w = new Writer(out, deadline, writeTimeout);
        try {
            w.write("retry: 3000\n\n");
            sendStatus(w);
            while (!closed) {
                Object item = client.queue.poll(statusInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (item == CLOSE || !alive.test(client.session)) {
                    return;
                }
                if (item == PAIR) {
                    // Read now, not when queued: a burst of transitions shows the latest state, never a stale one.
                    w.write("event: pair\ndata: " + Json.write(pair.json()) + "\n\n");
                    continue;
                }
                if (item == CLUSTER) {
                    w.write("event: cluster\ndata: " + Json.write(cluster.json()) + "\n\n");
                    continue;
                }
                if (item instanceof LbEvent e) {
                    w.write("event: lbevent\ndata: " + Json.write(Json.event(e)) + "\n\n");
                    if (!client.queue.isEmpty()) {
                        continue; // a burst (one command's events): one status after the last is enough
                    }
                }
                sendStatus(w);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(client);
            permits.release(client.session);
        }
    }

    private void sendStatus(Writer w) throws IOException {
        w.write("event: status\ndata: " + Json.write(status()) + "\n\n");
    }

    /**
     * The balancer's status with the clustered pair's and the active-active cluster's ({@code null} on a node without
     * one): what {@code GET /api/status} answers and each stream's periodic {@code event: status} carries.
     */
    ObjectNode status() {
        ObjectNode s = Json.status(balancer.status());
        s.set("pair", pair.json());
        s.set("cluster", cluster.json());
        return s;
    }

    /** Writes one event at a time, each within the write timeout. */
    private record Writer(OutputStream out, Deadline deadline, Duration timeout) {
        void write(String s) throws IOException {
            deadline.arm(timeout, "writing an event");
            try {
                out.write(s.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } finally {
                deadline.disarm();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        subscription.close();
        for (Client c : clients) {
            c.queue.clear();
            c.queue.offer(CLOSE);
        }
    }
}
