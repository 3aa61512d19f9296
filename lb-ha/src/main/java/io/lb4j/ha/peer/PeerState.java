package io.lb4j.ha.peer;

/**
 * What a channel knows of the peer now. Every state but {@link #OK} and {@link #STARTING} is an error the operator
 * must see: entering one is logged at WARN and published as a {@link PeerStateChanged}.
 */
public enum PeerState {
    /** Started; no connection succeeded or arrived yet. */
    STARTING,
    /** Connected; the last exchange succeeded. */
    OK,
    /**
     * No working connection: a connect failed or timed out, the connection was lost, or a frame did not arrive
     * complete within the frame deadline.
     */
    UNREACHABLE,
    /**
     * The versions disagree: the secondary holds a newer configuration epoch than the primary sends (the primary's
     * state directory was reset or restored), so nothing the primary sends is applied.
     */
    STALE,
    /**
     * The peer does not accept ours or we do not accept its: a frame or acknowledgement that does not authenticate
     * (another secret), or the peer is not an lb4j node of this protocol version.
     */
    REFUSING,
    /** Authentic messages that cannot be used: a configuration the secondary cannot apply, a malformed frame. */
    INVALID
}
