package io.lb4j.ha.peer;

/** One direction of one replication protocol between the two nodes of a pair. */
public enum PeerChannel {
    /** The primary pushing its service list to the secondary ({@code ConfigPublisher}). */
    CONFIG_PUBLISHER,
    /** The secondary receiving the primary's service list ({@code ConfigReceiver}). */
    CONFIG_RECEIVER,
    /** This node's flow changes going to the peer ({@code FlowSync}'s sender). */
    FLOW_SYNC_OUT,
    /** The peer's flow changes arriving here ({@code FlowSync}'s receiver). */
    FLOW_SYNC_IN
}
