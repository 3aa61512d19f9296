package io.lb4j.alerts.internal;

import io.lb4j.alerts.Alert;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Per key (kind and name): the first alert passes at once and opens a window; alerts inside the window are held;
 * at its end the held ones pass as one summary, which opens the next window; a window that ends with nothing held
 * forgets the key. A zero window passes everything. Thread-safe.
 */
public final class RateLimiter {

    private final TaskClock clock;
    private final Duration window;
    private final Consumer<Notice> out;
    private final Runnable suppressed;
    private final Map<String, Window> windows = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    private static final class Window {
        final List<Alert> held = new ArrayList<>();
        Cancellable end;
    }

    /**
     * @param out        where passing notices go (called outside the lock)
     * @param suppressed called once for each alert held
     */
    public RateLimiter(TaskClock clock, Duration window, Consumer<Notice> out, Runnable suppressed) {
        this.clock = clock;
        this.window = window;
        this.out = out;
        this.suppressed = suppressed;
    }

    public void offer(Alert alert) {
        if (window.isZero()) {
            out.accept(Notice.of(alert));
            return;
        }
        String key = alert.kind() + " " + alert.name();
        synchronized (this) {
            if (closed) {
                return;
            }
            Window w = windows.get(key);
            if (w != null) {
                w.held.add(alert);
                suppressed.run();
                return;
            }
            open(key);
        }
        out.accept(Notice.of(alert));
    }

    private void open(String key) {
        Window w = new Window();
        windows.put(key, w);
        w.end = clock.schedule(window, () -> end(key, w));
    }

    private void end(String key, Window w) {
        Notice summary;
        synchronized (this) {
            if (closed || windows.get(key) != w) {
                return;
            }
            windows.remove(key);
            if (w.held.isEmpty()) {
                return;
            }
            summary = summary(w.held);
            open(key);
        }
        out.accept(summary);
    }

    /** The last alert's state, the worst severity, and the states in order. */
    private Notice summary(List<Alert> held) {
        Alert last = held.getLast();
        Alert.Severity worst = held.stream().map(Alert::severity).min(Enum::compareTo).orElseThrow();
        List<String> states = held.stream().map(Alert::state).toList();
        Alert a = new Alert(last.at(), last.kind(), last.name(), last.state(), worst, last.message());
        return new Notice(a, held.size(), states, window);
    }

    /** Forgets every window; held alerts are dropped. */
    public synchronized void close() {
        closed = true;
        windows.values().forEach(w -> w.end.cancel());
        windows.clear();
    }
}
