package io.lb4j.engine.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The packet path's counters: what it did with every frame, instead of a log line per packet. Written by the
 * packet thread with plain increments (single writer); read from any thread with opaque reads, so a reader sees
 * each counter's recent value without slowing the writer (values of different counters may be a few packets
 * apart).
 */
final class Counters {

    static final int RX_FRAMES = 0;
    static final int TX_FRAMES = 1;
    static final int FORWARDED_DR = 2;
    static final int FORWARDED_NAT = 3;
    static final int REPLIES_UNNATTED = 4;
    static final int ARP_REPLIES_SENT = 5;
    static final int ARP_REQUESTS_SENT = 6;
    static final int NOT_FOR_US = 7;
    static final int MALFORMED = 8;
    static final int BAD_IP_CHECKSUM = 9;
    static final int FRAGMENTS = 10;
    /** IPv6 frames received (forwarded or not; the IPv4 frames are {@link #RX_FRAMES} minus the others). */
    static final int IPV6 = 11;
    static final int UNKNOWN_ETHERTYPE = 12;
    static final int NO_FLOW = 13;
    static final int NO_BACKEND = 14;
    static final int NEIGHBOUR_MISS = 15;
    static final int TX_FULL = 16;
    static final int FLOWS_CREATED = 17;
    static final int FLOWS_EXPIRED = 18;
    static final int FLOWS_EVICTED = 19;
    static final int FLOWS_HALTED = 20;
    static final int CHECKSUMS_COMPLETED = 21;
    static final int TRUNCATED_CAPTURE = 22;
    static final int OVERSIZE = 23;
    static final int VLAN_OFFLOADED = 24;
    static final int GRATUITOUS_ARPS_SENT = 25;
    static final int SYNC_APPLIED = 26;
    static final int SYNC_REJECTED = 27;
    /** Evictions whose victim was half-open (a subset of {@link #FLOWS_EVICTED}). */
    static final int FLOWS_EVICTED_HALF_OPEN = 28;
    /** Evictions whose victim was an established TCP or a UDP flow: a live connection cut (a subset too). */
    static final int FLOWS_EVICTED_ACTIVE = 29;
    /** Flows that became established while their backend was full: forwarded without a connection slot. */
    static final int ESTABLISHED_OVER_LIMIT = 30;
    /** Client ACKs of NAT flows whose server had not answered yet: forwarded, the flow stays half-open. */
    static final int ACK_BEFORE_SERVER = 31;
    /** ARP replies from a neighbour that answer no outstanding request of the engine's: ignored. */
    static final int ARP_UNSOLICITED = 32;
    /** Backend addresses that found no room in the neighbour table (their new flows count as neighbour misses). */
    static final int NEIGHBOUR_TABLE_FULL = 33;
    /** Super-frames forwarded whole with their offload metadata. */
    static final int SUPER_FRAMES = 34;
    /** TCP super-frames segmented in software (no offload metadata). */
    static final int SOFTWARE_SEGMENTED = 35;
    /** Super-frames the kernel refused to send. */
    static final int TX_REFUSED = 36;
    /** Neighbour Advertisements sent for a VIP (solicited answers and unsolicited announcements). */
    static final int NEIGHBOUR_ADVERTS_SENT = 37;
    /** Neighbour Solicitations sent to resolve a backend. */
    static final int NEIGHBOUR_SOLICITS_SENT = 38;
    /** IPv6 packets with an extension header the path does not walk (AH, ESP, ...) or too long a chain. */
    static final int IPV6_EXTENSION_DROPPED = 39;
    /** ICMP errors (e.g. Packet Too Big) about a flow, forwarded to the flow's backend. */
    static final int ICMP_ERRORS_FORWARDED = 40;
    /** Frames whose transport checksum is invalid where the path checks it (NDP, IPv6 UDP checksum 0). */
    static final int BAD_CHECKSUM = 41;
    static final int COUNT = 42;

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[COUNT];

    void increment(int counter) {
        values[counter]++;
    }

    void add(int counter, long delta) {
        values[counter] += delta;
    }

    /** A recent value, safe to call from any thread. */
    long get(int counter) {
        return (long) ELEMENT.getOpaque(values, counter);
    }
}
