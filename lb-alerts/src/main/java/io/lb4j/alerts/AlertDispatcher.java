package io.lb4j.alerts;

import io.lb4j.alerts.internal.ChannelWorker;
import io.lb4j.alerts.internal.EmailSender;
import io.lb4j.alerts.internal.EventAlerts;
import io.lb4j.alerts.internal.Notice;
import io.lb4j.alerts.internal.RateLimiter;
import io.lb4j.alerts.internal.ScriptSender;
import io.lb4j.alerts.internal.Sender;
import io.lb4j.alerts.internal.SyslogSender;
import io.lb4j.alerts.internal.WebhookSender;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.event.Subscription;
import io.lb4j.api.spi.TaskClock;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Delivers alerts as an {@link Alerts} spec says: rate-limited per key, to every channel, each channel on a thread of
 * its own with its own retries, so a dead SMTP server delays neither syslog nor the balancer. Made by
 * {@link Alerts#start}; fed by {@link #attach(LoadBalancer)} (the balancer's events) and {@link #publish(Alert)}
 * (anything else, such as a pair's VRRP transitions).
 *
 * <p>Visible: {@link #status()} per channel, the meters {@code lb4j.alerts.sent}, {@code lb4j.alerts.failed} and
 * {@code lb4j.alerts.suppressed} tagged {@code channel} when a registry was given, and a log line (logger
 * {@code io.lb4j.alerts}) for every failed attempt and every delivery given up.
 *
 * <p>{@link #close()} unsubscribes from the balancers, lets the channels send what is queued for up to
 * {@link #CLOSE_DRAIN}, then stops their threads, the rate limit's windows and the retries, and closes the
 * connections; deliveries still waiting (a retry's backoff, a held summary) are dropped and logged with their number.
 * Thread-safe; {@link #publish} never blocks.
 */
public final class AlertDispatcher implements AutoCloseable {

    /** How long {@link #close()} lets queued deliveries go out: the alerts of a stop (a VRRP transition) matter. */
    public static final java.time.Duration CLOSE_DRAIN = java.time.Duration.ofSeconds(5);

    private final Alerts spec;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final List<ChannelWorker> workers = new ArrayList<>();
    private final RateLimiter limiter;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    AlertDispatcher(Alerts spec, MeterRegistry registry, TaskClock clock, boolean ownsClock) {
        this.spec = spec;
        this.clock = clock;
        this.ownsClock = ownsClock;
        String host = hostName();
        for (AlertChannel c : spec.channels()) {
            Sender sender = switch (c) {
                case Email e -> new EmailSender(e, host);
                case Syslog s -> new SyslogSender(s, host);
                case Webhook w -> new WebhookSender(w, host);
                case NotifyScript n -> new ScriptSender(n, host);
            };
            workers.add(new ChannelWorker(c, sender, clock, spec.attempts(), spec.firstRetry(), spec.maxRetry(),
                    registry, host));
        }
        this.limiter = new RateLimiter(clock, spec.rateLimit(), this::deliver,
                () -> workers.forEach(ChannelWorker::suppressed));
    }

    /** The spec it runs. */
    public Alerts spec() {
        return spec;
    }

    /**
     * Alerts on {@code balancer}'s events from now on (every event but {@code Reconfigured}); the subscription ends
     * when it is closed or this dispatcher is.
     */
    public Subscription attach(LoadBalancer balancer) {
        Objects.requireNonNull(balancer, "balancer");
        Subscription s = balancer.events().subscribe(e -> EventAlerts.of(e, balancer.services())
                .ifPresent(this::publish));
        subscriptions.add(s);
        return () -> {
            subscriptions.remove(s);
            s.close();
        };
    }

    /** Alerts on {@code alert}, subject to the rate limit. Returns at once; ignored once closed. */
    public void publish(Alert alert) {
        Objects.requireNonNull(alert, "alert");
        if (!closed) {
            limiter.offer(alert);
        }
    }

    /** Each channel's delivery record, in the spec's order. */
    public List<ChannelStatus> status() {
        return workers.stream().map(ChannelWorker::status).toList();
    }

    private void deliver(Notice notice) {
        for (ChannelWorker w : workers) {
            w.submit(notice);
        }
    }

    /** Stops everything it started; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        subscriptions.forEach(Subscription::close);
        subscriptions.clear();
        limiter.close();
        long deadline = System.nanoTime() + CLOSE_DRAIN.toNanos();
        workers.forEach(w -> w.awaitIdle(deadline));
        workers.forEach(ChannelWorker::close);
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // the system clock's close does not throw
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
