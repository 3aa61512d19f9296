package io.lb4j.admin;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the admin server shows about the active-active cluster this node belongs to: whether its routing daemon
 * announces each VIP to the ECMP routers (and since when, and why), whether an operator drained the node, and the
 * daemon's settings an operator checks first. lb-admin does not depend on lb-ha; the embedder that announces the
 * routes maps its state to this record in its {@link ClusterControl}.
 *
 * <p>Guarantees: immutable; every value is checked here, so the server never has to render a malformed one; the
 * message of a rejected value names the field, the value and what was expected.
 *
 * @param daemon     the routing daemon, e.g. {@code bird}; 1-40 characters
 * @param socket     the daemon's control socket, e.g. {@code /run/bird/bird.ctl}; 1-1,000 characters
 * @param localAs    this node's AS number, 1-4294967295
 * @param neighbours the routers the daemon announces to
 * @param bfd        whether the daemon's sessions use BFD
 * @param drained    whether an operator drained the node ({@link ClusterControl#drain()}): every VIP withdrawn
 * @param routes     each VIP's route, in the order of the services
 */
public record ClusterStatus(String daemon, String socket, long localAs, List<Neighbour> neighbours, boolean bfd,
                            boolean drained, List<Route> routes) {

    /** The states a route may be in: lb-ha's {@code AnnouncementState} names. */
    public static final Set<String> STATES = Set.of("ANNOUNCED", "WITHDRAWN", "FAILED");

    /**
     * A router this node announces to.
     *
     * @param address the router's address, an IP literal
     * @param as      its AS number, 1-4294967295
     */
    public record Neighbour(String address, long as) {

        /**
         * Checks both values.
         *
         * @throws IllegalArgumentException when one is out of range
         */
        public Neighbour {
            Checks.literal("cluster.neighbours.address", address);
            requireAs("cluster.neighbours.as", as);
        }
    }

    /**
     * One VIP's route.
     *
     * @param vip    the VIP, an IP literal
     * @param state  {@code ANNOUNCED} (the routers may send this node the VIP's flows), {@code WITHDRAWN} or
     *               {@code FAILED} (the daemon did not take the last change; it is retried)
     * @param since  when the route entered {@code state}, or null when not known
     * @param reason why the node announces or withdraws it (lb-ha's {@code Announcement.Reason}, e.g.
     *               {@code DRAINED}), or null when not known; 1-200 characters
     */
    public record Route(String vip, String state, Instant since, String reason) {

        /**
         * Checks every value.
         *
         * @throws IllegalArgumentException when a value is out of range, with {@code cluster.routes.field: value
         *                                  (expected: ...)}
         */
        public Route {
            Checks.literal("cluster.routes.vip", vip);
            Objects.requireNonNull(state, "cluster.routes.state");
            if (!STATES.contains(state)) {
                throw new IllegalArgumentException("cluster.routes.state: \"" + state
                        + "\" (expected: ANNOUNCED, WITHDRAWN or FAILED)");
            }
            if (reason != null && (reason.isBlank() || reason.length() > 200)) {
                throw new IllegalArgumentException("cluster.routes.reason: \"" + reason + "\" (expected: 1-200"
                        + " characters, or null)");
            }
        }

        /** Whether the routers may send this node the VIP's flows. */
        public boolean announced() {
            return state.equals("ANNOUNCED");
        }
    }

    /**
     * Checks every value and copies the lists.
     *
     * @throws IllegalArgumentException when a value is out of range, with {@code cluster.field: value (expected:
     *                                  ...)}
     * @throws NullPointerException     when a value is null
     */
    public ClusterStatus {
        Checks.length("cluster.daemon", daemon, 40);
        Checks.length("cluster.socket", socket, 1_000);
        requireAs("cluster.localAs", localAs);
        neighbours = List.copyOf(Objects.requireNonNull(neighbours, "cluster.neighbours"));
        routes = List.copyOf(Objects.requireNonNull(routes, "cluster.routes"));
    }

    private static void requireAs(String field, long as) {
        if (as < 1 || as > 4_294_967_295L) {
            throw new IllegalArgumentException(field + ": " + as + " (expected: 1-4294967295)");
        }
    }
}
