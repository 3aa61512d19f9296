package io.lb4j.admin;

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

/**
 * Fans the balancer's events out to Server-Sent-Event clients. The balancer calls listeners synchronously on its
 * own threads, so the listener only offers to each client's bounded queue; each client's request thread writes.
 * A client too slow to keep up (queue full) is disconnected rather than allowed to hold memory or the balancer;
 * its browser reconnects and reloads the status. Between events every client gets a status snapshot every
 * {@code statusInterval}, which carries connection counts (they change without events) and doubles as a
 * keep-alive that finds dead clients. The status includes the clustered pair's ({@code pair}), and a change the
 * embedder reports ({@link #pairChanged()}) goes out at once as an {@code event: pair}. Thread-safe.
 */
final class EventHub implements AutoCloseable {

    private static final Object CLOSE = new Object();
    /** Queued by {@link #pairChanged()}: the client's thread reads the pair status when it writes the event. */
    private static final Object PAIR = new Object();

    private final LoadBalancer balancer;
    private final PairView pair;
    private final Duration statusInterval;
    private final Set<BlockingQueue<Object>> clients = ConcurrentHashMap.newKeySet();
    private final Subscription subscription;
    private volatile boolean closed;

    EventHub(LoadBalancer balancer, PairView pair, Duration statusInterval) {
        this.balancer = balancer;
        this.pair = pair;
        this.statusInterval = statusInterval;
        this.subscription = balancer.events().subscribe(this::publish);
    }

    private void publish(Object e) {
        for (BlockingQueue<Object> q : clients) {
            if (!q.offer(e)) {
                q.clear();
                q.offer(CLOSE);
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

    int clientCount() {
        return clients.size();
    }

    /** Streams to {@code out} until the client goes away or the hub closes; the response headers are sent. */
    void stream(OutputStream out) throws IOException {
        BlockingQueue<Object> q = new ArrayBlockingQueue<>(1024);
        clients.add(q);
        try {
            write(out, "retry: 3000\n\n");
            sendStatus(out);
            while (!closed) {
                Object item = q.poll(statusInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (item == CLOSE) {
                    return;
                }
                if (item == PAIR) {
                    // Read now, not when queued: a burst of transitions shows the latest state, never a stale one.
                    write(out, "event: pair\ndata: " + Json.write(pair.json()) + "\n\n");
                    continue;
                }
                if (item instanceof LbEvent e) {
                    write(out, "event: lbevent\ndata: " + Json.write(Json.event(e)) + "\n\n");
                    if (!q.isEmpty()) {
                        continue; // a burst (one command's events): one status after the last is enough
                    }
                }
                sendStatus(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(q);
        }
    }

    private void sendStatus(OutputStream out) throws IOException {
        write(out, "event: status\ndata: " + Json.write(Json.status(balancer.status()).set("pair", pair.json()))
                + "\n\n");
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        closed = true;
        subscription.close();
        for (BlockingQueue<Object> q : clients) {
            q.clear();
            q.offer(CLOSE);
        }
    }
}
