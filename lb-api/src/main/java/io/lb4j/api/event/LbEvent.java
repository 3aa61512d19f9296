package io.lb4j.api.event;

import java.time.Instant;

/**
 * Something that happened to a virtual service, stamped with the balancer's clock. The history of events is the
 * whole story of a failover: tests assert it, operators read it.
 */
public sealed interface LbEvent permits RealServerDown, RealServerUp, Halted, Draining, Online, FailedOver,
        FailedBack, Reconfigured {

    /** When it happened, by the balancer's clock. */
    Instant at();

    /** The label of the virtual service it happened to. */
    String service();
}
