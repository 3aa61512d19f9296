package io.lb4j.engine.packet;

import java.util.Objects;

/**
 * One change of a {@link PacketEngine}'s flow table, as flow-state sync carries it to the other node of a pair: a
 * flow was created or changed state ({@link Kind#UPSERT}, also sent again periodically while the flow lives) or ended
 * ({@link Kind#REMOVE}). Applied on the peer with {@link PacketEngine#applyFlowUpdates}, it makes the peer send the
 * flow's next segments to the same backend, so established connections survive a takeover.
 *
 * <p>Addresses are IPv4 addresses as big-endian ints (the packet path's form; {@code 10.0.0.1} is
 * {@code 0x0A000001}), ports 0-65535. The service is named by its label, which both nodes share through config
 * replication; the backend by its address and whether the flow is NATed (the peer resolves them against its own
 * configuration and MAC table). The constructor validates everything, so an update decoded from a peer's message
 * either is consistent or never exists.
 *
 * @param kind        created/changed, or ended
 * @param service     the virtual service's label
 * @param protocol    6 (TCP) or 17 (UDP)
 * @param state       the flow's state on the sending node
 * @param nat         whether the flow is NATed (masquerading fallback or a NAT service) rather than direct routed
 * @param client      client address
 * @param clientPort  client port
 * @param vip         virtual address
 * @param vipPort     virtual port
 * @param backend     the real server's (or fallback's) address
 * @param backendPort the port the flow is forwarded to (the VIP port for direct routing)
 * @param clientMac   the MAC the client's frames came from (the client's or its router's); NAT replies go to it
 */
public record FlowUpdate(Kind kind, String service, int protocol, State state, boolean nat, int client,
                         int clientPort, int vip, int vipPort, int backend, int backendPort, long clientMac) {

    /** What happened to the flow. */
    public enum Kind {
        /** The flow exists with this state and backend (new, changed, or refreshed). */
        UPSERT,
        /** The flow ended (closed and timed out, evicted, or ended by Halt). */
        REMOVE
    }

    /** A flow's state, with IPVS's input-only TCP states. */
    public enum State {
        /** TCP, only the client's SYN seen. */
        SYN(FlowTable.STATE_SYN),
        /** TCP, the client acknowledged: established. */
        ESTABLISHED(FlowTable.STATE_ESTABLISHED),
        /** TCP, a FIN seen: closing. */
        FIN(FlowTable.STATE_FIN),
        /** TCP, a RST seen: closed, kept briefly for the last segments. */
        CLOSE(FlowTable.STATE_CLOSE),
        /** UDP: one state, an idle timeout. */
        UDP(FlowTable.STATE_UDP);

        private final int code;

        State(int code) {
            this.code = code;
        }

        int code() {
            return code;
        }

        static State of(int code) {
            for (State s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalArgumentException("flow state code: " + code + " (expected: 1-5)");
        }
    }

    /** @throws IllegalArgumentException naming the first inconsistent field */
    public FlowUpdate {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(state, "state");
        if (service.isEmpty() || service.length() > 255) {
            throw new IllegalArgumentException("service: \"" + service + "\" (expected: a label of 1-255 characters)");
        }
        if (protocol != Ipv4Flyweight.PROTOCOL_TCP && protocol != Ipv4Flyweight.PROTOCOL_UDP) {
            throw new IllegalArgumentException("protocol: " + protocol + " (expected: 6 for TCP or 17 for UDP)");
        }
        if ((protocol == Ipv4Flyweight.PROTOCOL_UDP) != (state == State.UDP)) {
            throw new IllegalArgumentException("state: " + state + " (expected: " + (protocol == 6
                    ? "SYN, ESTABLISHED, FIN or CLOSE for TCP)" : "UDP for UDP)"));
        }
        port("clientPort", clientPort);
        port("vipPort", vipPort);
        port("backendPort", backendPort);
        if ((clientMac >>> 48) != 0) {
            throw new IllegalArgumentException("clientMac: " + clientMac + " (expected: a 48-bit MAC address)");
        }
    }

    private static void port(String name, int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException(name + ": " + port + " (expected: 0-65535)");
        }
    }

    @Override
    public String toString() {
        return kind + " " + service + " " + (protocol == Ipv4Flyweight.PROTOCOL_TCP ? "tcp " : "udp ")
                + Bytes.ipv4ToString(client) + ":" + clientPort + " -> " + Bytes.ipv4ToString(vip) + ":" + vipPort
                + " -> " + Bytes.ipv4ToString(backend) + ":" + backendPort + (nat ? " nat " : " dr ") + state;
    }
}
