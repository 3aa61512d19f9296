package io.lb4j.api.event;

/** A listener's registration; closing it stops delivery. */
public interface Subscription extends AutoCloseable {

    /** Stops delivering events to the listener. Idempotent. */
    @Override
    void close();
}
