package io.lb4j.api.event;

import java.util.List;
import java.util.function.Consumer;

/**
 * The balancer's events: live to subscribers, and a bounded history of the most recent ones.
 *
 * <p>Listeners are called synchronously on the thread that caused the event (a health-check or timer thread, or
 * the caller of {@code halt}), in event order; they must return quickly. A listener that throws is logged and
 * does not stop delivery to the others.
 */
public interface EventStream {

    /** Registers a listener for every event from now on. */
    Subscription subscribe(Consumer<? super LbEvent> listener);

    /** The most recent events, oldest first (at most the last 10,000). */
    List<LbEvent> history();
}
