package io.lb4j.alerts.internal;

/** Delivers notices to one channel; called from that channel's one worker thread only. */
public interface Sender extends AutoCloseable {

    /** Delivers, or throws saying why not (retried by the caller). */
    void send(Notice notice) throws Exception;

    /** Lets go of connections. */
    @Override
    void close();
}
