package io.lb4j.ha.route;

/** Where a VIP's route stands with the routing daemon, as a {@link RouteAnnouncer} last learned it. */
public enum AnnouncementState {
    /** The daemon accepted the route: its BGP sessions advertise it. */
    ANNOUNCED,
    /** The daemon has no route for the VIP from this node (never announced, or withdrawn). */
    WITHDRAWN,
    /**
     * The last change could not reach the daemon or the daemon refused it; the announcer retries. What the daemon
     * advertises meanwhile is what it last accepted.
     */
    FAILED
}
