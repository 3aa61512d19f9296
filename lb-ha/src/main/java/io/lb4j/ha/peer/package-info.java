/**
 * How each replication channel sees the other node of the pair: {@link io.lb4j.ha.peer.PeerState} now
 * ({@link io.lb4j.ha.peer.PeerStatus}), and a {@link io.lb4j.ha.peer.PeerStateChanged} event on every change, so a
 * peer that is unreachable, stale or refusing is never silent. Config replication
 * ({@code ConfigPublisher}, {@code ConfigReceiver}) and flow sync ({@code FlowSync}) report here.
 */
package io.lb4j.ha.peer;
