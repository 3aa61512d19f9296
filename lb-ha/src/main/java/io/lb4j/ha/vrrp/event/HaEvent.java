package io.lb4j.ha.vrrp.event;

import java.time.Instant;

/**
 * Something that happened to a VRRP instance, stamped with the instance's clock; the history of these events is the
 * whole story of a takeover, so tests assert it and operators read it.
 */
public sealed interface HaEvent permits StateChanged, MasterAdvertIntervalChanged {

    /** When it happened, by the instance's clock. */
    Instant at();

    /** The virtual router it happened to. */
    int vrid();
}
