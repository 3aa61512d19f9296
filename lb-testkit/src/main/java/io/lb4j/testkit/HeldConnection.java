package io.lb4j.testkit;

import java.net.InetSocketAddress;

/** A client connection a test keeps open through the balancer, to see what Drain and Halt do to it. */
public interface HeldConnection {

    /** Where the balancer forwarded it. */
    InetSocketAddress target();

    /** Whether it is still open: neither the client nor the balancer closed it. */
    boolean isOpen();

    /** Closes it from the client's side. Idempotent. */
    void close();
}
