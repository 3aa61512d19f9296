package io.lb4j.api;

/** The transport protocol a virtual service forwards. */
public enum Protocol {
    /** TCP connections. */
    TCP,
    /** UDP datagrams, tracked as per-client sessions. */
    UDP
}
