package io.lb4j.admin;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the admin server shows about the clustered pair this node belongs to: its VRRP state now, the VRRP settings an
 * operator checks first, and when and why the state last changed. lb-admin does not depend on lb-ha; the embedder
 * that runs the pair maps its VRRP instance to this record and hands the server a supplier of it
 * ({@link AdminServer.Builder#pairStatus}), and calls {@link AdminServer#pairChanged()} on every transition so open
 * pages update at once.
 *
 * <p>Guarantees: immutable; every value is checked here, so the server never has to render a malformed one; the
 * message of a rejected value names the field, the value and what was expected.
 *
 * @param state            this node's VRRP state: {@code MASTER}, {@code BACKUP}, {@code FAULT} or {@code INITIALIZE}
 * @param vrid             the virtual router id, 1-255
 * @param priority         this node's VRRP priority, 1-255
 * @param virtualAddresses the addresses the master owns, as IP literals; at least one
 * @param role             {@code primary} (replicates its services) or {@code secondary}, or null when the pair has
 *                         no such roles
 * @param peer             the other node's address as an IP literal, or null when not known
 * @param since            when this node entered {@code state}, or null when not known
 * @param reason           why it did (the transition reason, e.g. {@code MASTER_DOWN}), or null when not known
 * @param links            the replication channels to the peer (config replication, flow sync) and how each sees
 *                         it; empty when the embedder reports none. A link in an error state is what keeps the pair
 *                         from being silently stale: the page shows it in red.
 */
public record PairStatus(String state, int vrid, int priority, List<String> virtualAddresses, String role,
                         String peer, Instant since, String reason, List<Link> links) {

    /**
     * One replication channel to the peer, as lb-ha's {@code PeerStatus} reports it (lb-admin does not depend on
     * lb-ha: the embedder copies the values).
     *
     * @param channel what the channel is, e.g. {@code CONFIG_PUBLISHER}, {@code FLOW_SYNC_IN}; 1-40 characters
     * @param peer    the peer as the channel knows it ({@code 192.0.2.2:7790}); 1-100 characters
     * @param state   {@code STARTING}, {@code OK}, {@code UNREACHABLE}, {@code STALE}, {@code REFUSING} or
     *                {@code INVALID}
     * @param since   when the channel entered {@code state}
     * @param detail  why, for the operator; at most 1,000 characters
     */
    public record Link(String channel, String peer, String state, Instant since, String detail) {

        /** The states this record accepts, lb-ha's {@code PeerState} names. */
        public static final Set<String> STATES = Set.of("STARTING", "OK", "UNREACHABLE", "STALE", "REFUSING",
                "INVALID");

        /**
         * Checks every value.
         *
         * @throws IllegalArgumentException when a value is out of range, with {@code pair.links.field: value
         *                                  (expected: ...)}
         * @throws NullPointerException     when a value is null
         */
        public Link {
            Checks.length("pair.links.channel", channel, 40);
            Checks.length("pair.links.peer", peer, 100);
            Objects.requireNonNull(state, "pair.links.state");
            if (!STATES.contains(state)) {
                throw new IllegalArgumentException("pair.links.state: \"" + state
                        + "\" (expected: STARTING, OK, UNREACHABLE, STALE, REFUSING or INVALID)");
            }
            Objects.requireNonNull(since, "pair.links.since");
            Objects.requireNonNull(detail, "pair.links.detail");
            if (detail.length() > 1_000) {
                throw new IllegalArgumentException("pair.links.detail: " + detail.length() + " characters (expected:"
                        + " at most 1000)");
            }
        }

        /** Whether the operator must look: any state but {@code OK} and {@code STARTING}. */
        public boolean isError() {
            return !state.equals("OK") && !state.equals("STARTING");
        }
    }

    /** A status without replication links (the embedder reports none). */
    public PairStatus(String state, int vrid, int priority, List<String> virtualAddresses, String role, String peer,
                      Instant since, String reason) {
        this(state, vrid, priority, virtualAddresses, role, peer, since, reason, List.of());
    }

    /** The states this record accepts: RFC 5798's three plus keepalived's FAULT. */
    public static final Set<String> STATES = Set.of("MASTER", "BACKUP", "FAULT", "INITIALIZE");
    /** The roles this record accepts, besides null. */
    public static final Set<String> ROLES = Set.of("primary", "secondary");

    /**
     * Checks every value and copies the address list.
     *
     * @throws IllegalArgumentException when a value is out of range, with {@code pair.field: value (expected: ...)}
     * @throws NullPointerException     when {@code state} or {@code virtualAddresses} is null
     */
    public PairStatus {
        Objects.requireNonNull(state, "pair.state");
        if (!STATES.contains(state)) {
            throw new IllegalArgumentException("pair.state: \"" + state
                    + "\" (expected: MASTER, BACKUP, FAULT or INITIALIZE)");
        }
        if (vrid < 1 || vrid > 255) {
            throw new IllegalArgumentException("pair.vrid: " + vrid + " (expected: 1-255)");
        }
        if (priority < 1 || priority > 255) {
            throw new IllegalArgumentException("pair.priority: " + priority + " (expected: 1-255)");
        }
        virtualAddresses = List.copyOf(Objects.requireNonNull(virtualAddresses, "pair.virtualAddresses"));
        if (virtualAddresses.isEmpty()) {
            throw new IllegalArgumentException("pair.virtualAddresses: [] (expected: at least one IP literal)");
        }
        for (int i = 0; i < virtualAddresses.size(); i++) {
            Checks.literal("pair.virtualAddresses[" + i + "]", virtualAddresses.get(i));
        }
        if (role != null && !ROLES.contains(role)) {
            throw new IllegalArgumentException("pair.role: \"" + role + "\" (expected: primary, secondary or null)");
        }
        if (peer != null) {
            Checks.literal("pair.peer", peer);
        }
        if (reason != null && (reason.isBlank() || reason.length() > 200)) {
            throw new IllegalArgumentException("pair.reason: \"" + reason + "\" (expected: 1-200 characters, or"
                    + " null)");
        }
        links = List.copyOf(Objects.requireNonNull(links, "pair.links"));
    }

    /**
     * This status with another state, entered at {@code since} for {@code reason}: what a transition changes, the
     * settings staying as they are.
     */
    public PairStatus withState(String state, Instant since, String reason) {
        return new PairStatus(state, vrid, priority, virtualAddresses, role, peer, since, reason, links);
    }

    /** This status with {@code links} instead of its own: what a replication channel's change changes. */
    public PairStatus withLinks(List<Link> links) {
        return new PairStatus(state, vrid, priority, virtualAddresses, role, peer, since, reason, links);
    }
}
