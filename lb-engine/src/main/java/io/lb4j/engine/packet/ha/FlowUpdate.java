package io.lb4j.engine.packet.ha;

import io.lb4j.engine.packet.PacketEngine;

import java.util.Objects;

/**
 * One change of a {@link PacketEngine}'s flow table, as flow-state sync carries it to the other node of a pair: a
 * flow was created or changed state ({@link Kind#UPSERT}, also sent again periodically while the flow lives) or ended
 * ({@link Kind#REMOVE}). Applied on the peer with {@link PairHooks#applyFlowUpdates}, it makes the peer send the
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

    private static final int TCP = 6;   // IANA protocol numbers, as in the IPv4 header
    private static final int UDP = 17;

    /** What happened to the flow. */
    public enum Kind {
        /** The flow exists with this state and backend (new, changed, or refreshed). */
        UPSERT,
        /** The flow ended (closed and timed out, evicted, or ended by Halt). */
        REMOVE
    }

    /** A flow's state, with IPVS's input-only TCP states; the wire carries {@code ordinal() + 1}. */
    public enum State {
        /** TCP, only the client's SYN seen. */
        SYN,
        /** TCP, the client acknowledged: established. */
        ESTABLISHED,
        /** TCP, a FIN seen: closing. */
        FIN,
        /** TCP, a RST seen: closed, kept briefly for the last segments. */
        CLOSE,
        /** UDP: one state, an idle timeout. */
        UDP
    }

    /** @throws IllegalArgumentException naming the first inconsistent field */
    public FlowUpdate {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(state, "state");
        if (service.isEmpty() || service.length() > 255) {
            throw new IllegalArgumentException("service: \"" + service + "\" (expected: a label of 1-255 characters)");
        }
        if (protocol != TCP && protocol != UDP) {
            throw new IllegalArgumentException("protocol: " + protocol + " (expected: 6 for TCP or 17 for UDP)");
        }
        if ((protocol == UDP) != (state == State.UDP)) {
            throw new IllegalArgumentException("state: " + state + " (expected: " + (protocol == TCP
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
        return kind + " " + service + " " + (protocol == TCP ? "tcp " : "udp ") + dotted(client) + ":" + clientPort
                + " -> " + dotted(vip) + ":" + vipPort + " -> " + dotted(backend) + ":" + backendPort
                + (nat ? " nat " : " dr ") + state;
    }

    private static String dotted(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }
}
