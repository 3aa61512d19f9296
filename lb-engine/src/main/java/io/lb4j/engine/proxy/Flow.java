package io.lb4j.engine.proxy;

/** One proxied TCP connection or UDP session, as the registry sees it: something that can be cut off. */
interface Flow {

    /** Closes both sides now, without flushing (a TCP connection with a reset); thread-safe, idempotent. */
    void abort();

    /** Whether this is a UDP session. */
    boolean datagram();

    /** Bytes written but not yet flushed to either socket; a racy read, for gauges. */
    long pendingBytes();
}
