package io.lb4j.ha.peer;

import java.time.Instant;

/**
 * A channel's view of the peer changed: published once per change (not once per failed retry), with the new
 * state's detail.
 *
 * @param at      when, by the channel's clock
 * @param channel the channel
 * @param from    the previous state
 * @param to      the new state
 * @param detail  why, for the operator
 */
public record PeerStateChanged(Instant at, PeerChannel channel, PeerState from, PeerState to, String detail) {
}
