package io.lb4j.ha.vrrp.event;

import io.lb4j.ha.vrrp.VrrpState;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * The instance moved from one state to another.
 *
 * @param peer the router whose advert caused the transition (the higher-priority master we yield to, or the
 *             master that resigned), when an advert caused it
 */
public record StateChanged(Instant at, int vrid, VrrpState from, VrrpState to, TransitionReason reason,
                           Optional<InetAddress> peer) implements HaEvent {
}
