package io.lb4j.api.spi;

/** A handle on a task scheduled with a {@link TaskClock}. */
@FunctionalInterface
public interface Cancellable {

    /** Stops the task from running if it has not started; returns whether it was still pending. */
    boolean cancel();
}
