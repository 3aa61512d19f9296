package io.lb4j.engine.director;

import io.lb4j.api.event.EventStream;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Delivers events to subscribers synchronously, in order, and keeps a bounded history. Thread-safe. */
final class EventBus implements EventStream {

    static final int HISTORY_LIMIT = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    private final CopyOnWriteArrayList<Consumer<? super LbEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<LbEvent> history = new ArrayDeque<>();

    void publish(LbEvent event) {
        synchronized (history) {
            if (history.size() == HISTORY_LIMIT) {
                history.removeFirst();
            }
            history.addLast(event);
        }
        LOG.info("{}", event);
        for (Consumer<? super LbEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                // One broken listener must not starve the others or the control plane.
                LOG.warn("event listener failed on {}", event, e);
            }
        }
    }

    @Override
    public Subscription subscribe(Consumer<? super LbEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public List<LbEvent> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }
}
