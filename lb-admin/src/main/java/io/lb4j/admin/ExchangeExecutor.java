package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin server's executor. The JDK's HTTP server hands it one task per exchange: from the first byte of a request
 * on a connection (TLS handshake and headers included) to the end of its answer; an event stream is one long
 * exchange. Each task runs on a virtual thread of its own, with a {@link Deadline} armed for the request's headers
 * and reachable by the handler through {@link #current()}.
 *
 * <p>At most {@code maxExchanges} run at once. The server calls {@link #execute} from its single dispatcher thread
 * and closes the connection when it throws, so past the cap a new request is closed unanswered, at once, before a
 * byte of it is read: a flood costs no threads and no memory, and the exchanges in progress are not slowed down.
 * (Connections that sent nothing yet are the JDK server's: it closes them after its idle interval,
 * {@code sun.net.httpserver.idleInterval}, 30 s by default.) Thread-safe.
 */
final class ExchangeExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeExecutor.class);
    private static final ScopedValue<Deadline> CURRENT = ScopedValue.newInstance();

    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual()
            .name("lb4j-admin-", 0).factory());
    private final ScheduledExecutorService timer;
    private final int maxExchanges;
    private final Duration headerTimeout;
    private final AtomicInteger inProgress = new AtomicInteger();
    /** Set when the cap is first hit, cleared when there is room again: one WARN per episode, not per request. */
    private volatile boolean full;

    ExchangeExecutor(ScheduledExecutorService timer, int maxExchanges, Duration headerTimeout) {
        this.timer = timer;
        this.maxExchanges = maxExchanges;
        this.headerTimeout = headerTimeout;
    }

    /** The deadline of the exchange running on this thread; {@link Deadline#NONE} elsewhere. */
    static Deadline current() {
        return CURRENT.isBound() ? CURRENT.get() : Deadline.NONE;
    }

    @Override
    public void execute(Runnable exchange) {
        if (inProgress.incrementAndGet() > maxExchanges) {
            inProgress.decrementAndGet();
            if (!full) {
                full = true;
                LOG.warn("admin server: {} requests in progress (admin.maxConnections): closing new connections"
                        + " unanswered until one ends", maxExchanges);
            }
            throw new RejectedExecutionException("admin server: " + maxExchanges + " requests in progress");
        }
        try {
            threads.execute(() -> run(exchange));
        } catch (RejectedExecutionException e) {
            inProgress.decrementAndGet();
            throw e;
        }
    }

    private void run(Runnable exchange) {
        Deadline deadline = new Deadline(Thread.currentThread(), timer);
        deadline.arm(headerTimeout, "reading the request headers");
        try {
            ScopedValue.where(CURRENT, deadline).run(exchange);
        } finally {
            deadline.disarm();
            if (inProgress.decrementAndGet() < maxExchanges && full) {
                full = false;
            }
        }
    }

    /** Interrupts every exchange: their connections close. */
    void shutdownNow() {
        threads.shutdownNow();
    }
}
