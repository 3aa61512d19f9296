package io.lb4j.ha.route;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * Where one VIP's route stands on this node, for the operator: its {@link AnnouncementState}, since when, and why the
 * node wants it so ({@link AnnouncingNode#announcements()}). Immutable.
 *
 * @param vip    the VIP
 * @param state  what the announcer last reported for it
 * @param since  when it entered {@code state} (a change of only the reason keeps the time)
 * @param reason why the node announces or withdraws it now; with {@link AnnouncementState#FAILED} why it tried the
 *               change the daemon did not take
 */
public record Announcement(InetAddress vip, AnnouncementState state, Instant since, Reason reason) {

    /** Why a node announces a VIP, or withdraws it. */
    public enum Reason {
        /** Announced: the engine runs, the interface is up, and a real server or a fallback can take connections. */
        SERVING,
        /** Withdrawn: the operator {@linkplain AnnouncingNode#drain() drained} the node. */
        DRAINED,
        /** Withdrawn: the balancer (its engine) is not running. */
        STOPPED,
        /** Withdrawn: the interface toward the routers is down, has no carrier, or is gone. */
        INTERFACE_DOWN,
        /** Withdrawn: no service on the VIP has a real server up, and none has a fallback. */
        NOTHING_UP,
        /** Withdrawn: the node is stopping ({@link AnnouncingNode#close()}). */
        CLOSED,
        /** Withdrawn: no service uses the VIP any more. */
        REMOVED
    }

    /** Requires every value. */
    public Announcement {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(reason, "reason");
    }
}
