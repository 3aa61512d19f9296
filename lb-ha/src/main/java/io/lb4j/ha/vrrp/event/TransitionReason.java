package io.lb4j.ha.vrrp.event;

/** Why a {@link StateChanged} happened. */
public enum TransitionReason {
    /** Started with priority 255: the address owner becomes master at once. */
    STARTUP_ADDRESS_OWNER,
    /** Started with priority 1-254: backup first, waits Master_Down_Interval for a master. */
    STARTUP,
    /** No advert within Master_Down_Interval: the master is gone (or never was). */
    MASTER_DOWN,
    /** The master sent priority 0 (it is shutting down); took over after Skew_Time. */
    MASTER_RESIGNED,
    /** Only lower-priority adverts were seen and preemption is on (after {@code preemptDelay}, if any). */
    PREEMPTED_LOWER_PRIORITY,
    /** As master: an advert with a higher priority arrived. */
    HIGHER_PRIORITY_SEEN,
    /** As master: an advert with our priority from a higher primary address arrived (RFC 5798 tie-break). */
    EQUAL_PRIORITY_HIGHER_ADDRESS,
    /** {@code stop()}: as master, a priority-0 advert was sent first. */
    SHUTDOWN,
    /** The interface went down or lost its carrier: into {@link io.lb4j.ha.vrrp.VrrpState#FAULT}. */
    LINK_DOWN,
    /** The interface is up with carrier again: out of {@link io.lb4j.ha.vrrp.VrrpState#FAULT}. */
    LINK_UP
}
