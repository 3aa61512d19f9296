package io.lb4j.ha.peer;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one channel's view of the peer, for an admin page or a health check.
 *
 * @param channel the channel
 * @param peer    the peer's address as the channel knows it ({@code 10.0.0.2:7790}, or an address only)
 * @param state   the state now
 * @param since   when the channel entered {@code state}, by its clock
 * @param detail  why, in words for the operator (the last error, or what succeeded); never null
 */
public record PeerStatus(PeerChannel channel, String peer, PeerState state, Instant since, String detail) {

    /** @throws NullPointerException naming the null component */
    public PeerStatus {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(detail, "detail");
    }

    /** Whether the operator must look: any state but {@link PeerState#OK} and {@link PeerState#STARTING}. */
    public boolean isError() {
        return state != PeerState.OK && state != PeerState.STARTING;
    }
}
