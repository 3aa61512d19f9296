package io.lb4j.engine.packet;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.engine.packet.ha.FlowUpdate;
import io.lb4j.linux.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * The packet path: classifies one received frame and forwards, answers or drops it. Pure Java over
 * {@link MemorySegment}s, no I/O, so the same code runs on an AF_PACKET ring, in tests on crafted frames and in
 * JMH benchmarks.
 *
 * <ul>
 *   <li><b>ARP</b>: requests for a VIP are answered with the balancer's MAC (the host kernel never owns the VIP);
 *       backends' MACs are learned only from replies to the engine's own requests (see {@link NeighbourTable}).</li>
 *   <li><b>Client to VIP</b> (IPv4 TCP/UDP on an installed port): an existing flow keeps its backend; a new flow
 *       (a TCP SYN, or any UDP datagram) gets one from the service's current {@link RoutingTable}. Direct routing
 *       rewrites only the MACs; NAT (a masquerading fallback, or a NAT service) rewrites the destination address
 *       and port with RFC 1624 incremental checksums.</li>
 *   <li><b>Backend to client</b> (replies of NAT flows): source rewritten back to VIP:port.</li>
 *   <li>Anything else is left to the host (counted as not for us); malformed input is counted and dropped and
 *       never throws or touches the flow table.</li>
 * </ul>
 *
 * <p><b>Offloads.</b> With virtio-net headers (the socket's {@code PACKET_VNET_HDR}), each received frame is preceded
 * by its {@link VirtioNetHeader} and each claimed TX frame by one the sink sends with it. A frame is forwarded with
 * the header it arrived with: a super-frame (GRO/LRO, a local sender's TSO/GSO) leaves whole and the kernel or the
 * next NIC segments it; a partial checksum stays partial, and a NAT rewrite moves its pseudo-header sum instead of
 * completing it. Without the headers, a TCP super-frame is segmented here, to the MTU (or the sender's segment size
 * where known), each segment with complete checksums; a partial checksum is completed before forwarding.
 *
 * <p>Allocation-free per frame: flyweights and the flow table are preallocated. Not thread-safe: one packet thread
 * calls {@link #process} and {@link #tick}; only {@link #install} and {@link #uninstall} may be called from other
 * threads (they swap a volatile array), the flow purges they imply run on the packet thread.
 */
final class PacketPath {

    /** What {@link #process} did with a frame. */
    static final int DROPPED = 0;
    static final int NOT_FOR_US = 1;
    static final int FORWARDED = 2;
    static final int REPLY_FORWARDED = 3;
    static final int ARP_ANSWERED = 4;
    static final int ARP_LEARNED = 5;

    static final int MIN_FRAME = 60;
    private static final int SHORT_FRAME = 64;
    private static final ValueLayout.OfLong RAW64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final long ownMac;
    private final int ownIp;
    private final int mtu;
    private final boolean vnet;
    private final boolean ownsNeighbours;
    private final FlowTable flows;
    private final NeighbourTable neighbours;
    private final Counters counters = new Counters();
    private final int sweepBudget;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final Ipv6Flyweight embedded = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();

    /** The most frames {@link #processBatch} takes at once. */
    static final int BATCH = 32;
    private final int[] batchEntry = new int[BATCH];
    private int touched; // consumes the early loads of processBatch so the JIT keeps them

    private final ServiceTable serviceTable;
    private volatile boolean acceptingNewFlows = true;
    private volatile boolean answeringArp = true;
    private volatile int[] ownedAddresses = new int[0];
    private volatile long[] ownedAddresses6 = new long[0]; // high, low, high, low, ...
    // The source of the engine's Neighbour Solicitations: the link-local address of its MAC's modified EUI-64
    // (RFC 4291 2.5.1), which needs no configuration; the answers come back to the MAC the solicitation names.
    private final long linkLocalHigh = 0xFE80_0000_0000_0000L;
    private final long linkLocalLow;

    /** A path whose frames carry no virtio-net headers. */
    PacketPath(long ownMac, int ownIp, int mtu, FlowTable flows, NeighbourTable neighbours) {
        this(ownMac, ownIp, mtu, flows, neighbours, false);
    }

    /**
     * @param mtu          the interface's MTU: the largest IPv4 packet that leaves without offload metadata
     * @param vnetHeaders  whether received frames are preceded by a {@link VirtioNetHeader} and sinks reserve one
     *                     before each claimed frame ({@link FrameSink#vnetHeaderLength()})
     */
    PacketPath(long ownMac, int ownIp, int mtu, FlowTable flows, NeighbourTable neighbours, boolean vnetHeaders) {
        this(ownMac, ownIp, mtu, flows, neighbours, vnetHeaders, new ServiceTable(), true);
    }

    /**
     * One of an engine's packet threads' paths: all share {@code services} and {@code neighbours}; only the one that
     * {@code ownsNeighbours} (the thread that receives the ARP frames) writes the neighbour table and sends ARP
     * requests, the others only look MACs up.
     */
    PacketPath(long ownMac, int ownIp, int mtu, FlowTable flows, NeighbourTable neighbours, boolean vnetHeaders,
               ServiceTable services, boolean ownsNeighbours) {
        this.serviceTable = services;
        this.ownsNeighbours = ownsNeighbours;
        this.ownMac = ownMac;
        this.ownIp = ownIp;
        this.mtu = mtu;
        this.vnet = vnetHeaders;
        this.flows = flows;
        this.neighbours = neighbours;
        this.sweepBudget = Math.max(1024, flows.capacity() / 1000);
        this.linkLocalLow = ((ownMac >>> 24) << 40 ^ 0x0200_0000_0000_0000L) | 0x00FF_FE00_0000L
                | (ownMac & 0xFF_FFFFL);
    }

    Counters counters() {
        return counters;
    }

    FlowTable flows() {
        return flows;
    }

    NeighbourTable neighbours() {
        return neighbours;
    }

    // ------------------------------------------------------------------ control plane (any thread)

    /** The installed services, shared by every packet thread of an engine. */
    ServiceTable serviceTable() {
        return serviceTable;
    }

    /** Installs into this path's {@link ServiceTable}; see {@link ServiceTable#install}. */
    int install(RoutingTable table) {
        return serviceTable.install(table);
    }

    /** Uninstalls from this path's {@link ServiceTable}; see {@link ServiceTable#uninstall}. */
    int uninstall(String label) {
        return serviceTable.uninstall(label);
    }

    /** The id of the installed service with this label, or -1. */
    int serviceId(String label) {
        return serviceTable.serviceId(label);
    }

    /**
     * Starts or stops answering ARP and IPv6 Neighbour Solicitations for the VIPs (the master of a pair answers, the
     * backup stays silent so clients and routers keep sending to the master); forwarding is unchanged either way.
     */
    void answerArp(boolean answer) {
        answeringArp = answer;
    }

    /**
     * Addresses the engine answers ARP for besides its VIPs (while it answers at all): a pair's floating gateway,
     * which MASQ fallbacks route their replies through, so the replies reach the node that holds their NAT flows.
     */
    void ownAddresses(int[] addresses) {
        ownedAddresses = addresses.clone();
    }

    /** {@link #ownAddresses(int[])} for IPv6 addresses (answered by NDP): high and low halves, one pair each. */
    void ownAddresses6(long[] highLowPairs) {
        ownedAddresses6 = highLowPairs.clone();
    }

    /** Whether a Neighbour Solicitation for {@code (high, low)} is the engine's to answer. */
    boolean answersFor6(long high, long low) {
        for (ServiceState s : serviceTable.services()) {
            if (s.ipv6 && s.isVip(high, low)) {
                return true;
            }
        }
        long[] owned = ownedAddresses6;
        for (int i = 0; i + 1 < owned.length; i += 2) {
            if (owned[i] == high && owned[i + 1] == low) {
                return true;
            }
        }
        return false;
    }

    /** Whether ARP for {@code address} is the engine's to answer: an installed VIP or an owned address. */
    boolean answersFor(int address) {
        if (isVip(address)) {
            return true;
        }
        for (int a : ownedAddresses) {
            if (a == address) {
                return true;
            }
        }
        return false;
    }

    /** The label of the installed service with this id, or null (e.g. uninstalled since). */
    String serviceLabel(int id) {
        for (ServiceState s : serviceTable.services()) {
            if (s.id == id) {
                return s.label;
            }
        }
        return null;
    }

    /** Stops (or resumes) taking new flows; existing flows keep forwarding. */
    void acceptNewFlows(boolean accept) {
        acceptingNewFlows = accept;
    }

    // ------------------------------------------------------------------ packet thread: purges and timers

    /** Halt: drops the service's flows to the backend with this label, releasing their slots. */
    int expire(int serviceId, String backendLabel) {
        int n = flows.removeAll(serviceId, backendLabel);
        counters.add(Counters.FLOWS_HALTED, n);
        return n;
    }

    /** Drops every flow of a removed or re-listened service. */
    int purge(int serviceId) {
        int n = flows.removeService(serviceId);
        counters.add(Counters.FLOWS_HALTED, n);
        return n;
    }

    /**
     * Timer work, called by the packet thread every few milliseconds: expires a bounded slice of the flow table and
     * (re)resolves the MACs of every backend of every installed service, so a new flow rarely waits for ARP.
     */
    void tick(long now, FrameSink tx) {
        counters.add(Counters.FLOWS_EXPIRED, flows.sweep(now, sweepBudget));
        if (!ownsNeighbours) {
            return; // the thread that owns the neighbour table resolves every backend
        }
        for (ServiceState s : serviceTable.services()) {
            ServiceState.Snapshot snapshot = s.snapshot();
            for (int i = 0; i < snapshot.backends.length; i++) {
                resolve(s.ipv6, snapshot.addressesHigh[i], snapshot.addressesLow[i], now, tx);
            }
        }
    }

    // ------------------------------------------------------------------ packet thread: frames

    /**
     * Handles one received frame.
     *
     * @param rx              memory holding the frame; never written
     * @param offset          where the frame starts in {@code rx}
     * @param length          the frame's length in bytes (no FCS)
     * @param checksumPartial whether the transport checksum is only the pseudo-header seed (the sender offloaded
     *                        it: AF_PACKET's TP_STATUS_CSUMNOTREADY); forwarding then completes it
     * @param now             {@link io.lb4j.api.spi.TaskClock#nanoTime()} of the batch
     * @return one of {@link #DROPPED}, {@link #NOT_FOR_US}, {@link #FORWARDED}, {@link #REPLY_FORWARDED},
     *         {@link #ARP_ANSWERED}, {@link #ARP_LEARNED}
     */
    int process(MemorySegment rx, long offset, int length, boolean checksumPartial, long now, FrameSink tx) {
        counters.increment(Counters.RX_FRAMES);
        if (!ethernet.wrap(rx, offset, length)) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        int type = ethernet.etherType();
        if (type == EthernetFlyweight.TYPE_IPV4) {
            return processIpv4(rx, offset, length, checksumPartial, now, tx);
        }
        if (type == EthernetFlyweight.TYPE_ARP) {
            return processArp(rx, offset, length, now, tx);
        }
        if (type == EthernetFlyweight.TYPE_IPV6) {
            return processIpv6(rx, offset, length, checksumPartial, now, tx);
        }
        counters.increment(Counters.UNKNOWN_ETHERTYPE);
        return DROPPED;
    }

    /**
     * Handles up to {@link #BATCH} frames like {@link #process}, one after the other, but first starts the flow-table
     * loads of all of them: the index slots, then the records they point at. In a table far larger than the cache
     * each lookup is a chain of two memory misses; issued for a whole batch they overlap instead of queueing. The
     * early loads read only what is in bounds and never decide anything.
     *
     * @return how many frames were forwarded (including NAT replies)
     */
    int processBatch(MemorySegment rx, long[] offsets, int[] lengths, boolean[] checksumPartial, int count, long now,
                     FrameSink tx) {
        int n = Math.min(count, BATCH);
        for (int k = 0; k < n; k++) {
            batchEntry[k] = peekEntry(rx, offsets[k], lengths[k]);
        }
        int t = 0;
        for (int k = 0; k < n; k++) {
            if (batchEntry[k] > 0) {
                t += flows.touchRecord(batchEntry[k]);
            }
        }
        touched += t;
        int forwarded = 0;
        for (int k = 0; k < n; k++) {
            int verdict = process(rx, offsets[k], lengths[k], checksumPartial[k], now, tx);
            if (verdict == FORWARDED || verdict == REPLY_FORWARDED) {
                forwarded++;
            }
        }
        return forwarded;
    }

    // The home index entry of an untagged IPv4 TCP/UDP frame's flow key, or 0: a hint, validated by process().
    private int peekEntry(MemorySegment rx, long offset, int length) {
        if (length < EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH + 4
                || Bytes.u16(rx, offset + EthernetFlyweight.TYPE_OFFSET) != EthernetFlyweight.TYPE_IPV4) {
            return 0;
        }
        long ip = offset + EthernetFlyweight.HEADER_LENGTH;
        int ihl = (Bytes.u8(rx, ip) & 0x0F) * 4;
        if (ihl < Ipv4Flyweight.MIN_HEADER_LENGTH || EthernetFlyweight.HEADER_LENGTH + ihl + 4 > length) {
            return 0;
        }
        return flows.homeEntry(Bytes.i32(rx, ip + Ipv4Flyweight.SOURCE_OFFSET),
                Bytes.i32(rx, ip + Ipv4Flyweight.DESTINATION_OFFSET), Bytes.i32(rx, ip + ihl),
                Bytes.u8(rx, ip + Ipv4Flyweight.PROTOCOL_OFFSET));
    }

    private int processArp(MemorySegment rx, long offset, int length, long now, FrameSink tx) {
        int l3 = ethernet.headerLength();
        if (!arp.wrap(rx, offset + l3, length - l3)) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        int sender = arp.senderIp();
        long senderMac = arp.senderMac();
        if (EthernetFlyweight.isGroup(senderMac) || senderMac == 0) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        int operation = arp.operation();
        // A request teaches the engine nothing (unlike RFC 826's merge): its sender fields are whatever the asker
        // wrote, and "who-has VIP tell <backend>" from any MAC would otherwise redirect new flows to that MAC.
        if (operation == ArpFlyweight.OPERATION_REQUEST && answeringArp && answersFor(arp.targetIp())) {
            int target = arp.targetIp();
            int replyLength = Math.max(l3 + ArpFlyweight.LENGTH, MIN_FRAME);
            long o = tx.claim(replyLength);
            if (o < 0) {
                counters.increment(Counters.TX_FULL);
                return DROPPED;
            }
            MemorySegment out = tx.segment();
            MemorySegment.copy(rx, offset, out, o, l3); // keeps any VLAN tags: the reply goes back where it came from
            Bytes.zero(out, o + l3, replyLength - l3);
            Bytes.mac(out, o + EthernetFlyweight.DESTINATION_OFFSET, senderMac);
            Bytes.mac(out, o + EthernetFlyweight.SOURCE_OFFSET, ownMac);
            ArpFlyweight.write(out, o + l3, ArpFlyweight.OPERATION_REPLY, ownMac, target, senderMac, sender);
            tx.commit(o, replyLength);
            counters.increment(Counters.ARP_REPLIES_SENT);
            counters.increment(Counters.TX_FRAMES);
            return ARP_ANSWERED;
        }
        if (operation == ArpFlyweight.OPERATION_REPLY && sender != 0 && ownsNeighbours) {
            int learned = neighbours.learn(sender, senderMac, arp.targetMac() == ownMac, now);
            if (learned == NeighbourTable.LEARNED) {
                return ARP_LEARNED;
            }
            if (learned == NeighbourTable.UNSOLICITED) {
                counters.increment(Counters.ARP_UNSOLICITED);
                return DROPPED;
            }
        }
        counters.increment(Counters.NOT_FOR_US);
        return NOT_FOR_US;
    }

    private boolean isVip(int address) {
        for (ServiceState s : serviceTable.services()) {
            if (s.vip == address && !s.ipv6) {
                return true;
            }
        }
        return false;
    }

    private int processIpv4(MemorySegment rx, long offset, int length, boolean checksumPartial, long now,
                            FrameSink tx) {
        if (ethernet.destination() != ownMac) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        int l3 = ethernet.headerLength();
        if (ipv4.wrap(rx, offset + l3, length - l3) != Ipv4Flyweight.OK) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        if (!ipv4.checksumValid()) {
            counters.increment(Counters.BAD_IP_CHECKSUM);
            return DROPPED;
        }
        int proto = ipv4.protocol();
        if (proto != Ipv4Flyweight.PROTOCOL_TCP && proto != Ipv4Flyweight.PROTOCOL_UDP) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        if (ipv4.isFragment()) {
            // Later fragments carry no ports, so no flow can be found for them without reassembly; TCP sets DF and
            // never fragments, so fragments are counted and dropped rather than half-forwarded.
            counters.increment(Counters.FRAGMENTS);
            return DROPPED;
        }
        long l4 = ipv4.payloadOffset();
        int l4Length = ipv4.payloadLength();
        boolean isTcp = proto == Ipv4Flyweight.PROTOCOL_TCP;
        if (!wrapTransport(isTcp, rx, l4, l4Length)) {
            return DROPPED;
        }
        int sourcePort = isTcp ? tcp.sourcePort() : udp.sourcePort();
        int destinationPort = isTcp ? tcp.destinationPort() : udp.destinationPort();
        int flags = isTcp ? tcp.flags() : 0;
        int source = ipv4.source();
        int destination = ipv4.destination();
        int ports = (sourcePort << 16) | destinationPort;
        int l4Start = l3 + ipv4.headerLength();
        ServiceState service = findService(destination, destinationPort, proto);
        int ref = flows.find(source, destination, ports, proto);
        if (service == null) {
            return reply(rx, offset, length, l3, l4Start, checksumPartial, ref, proto, flags, now, tx);
        }
        int id = clientFlow(ref, flags, now);
        if (id < 0) {
            if (!opensFlow(proto, flags) && !adopts(service, proto, flags)) {
                counters.increment(Counters.NO_FLOW); // mid-connection segment of a flow we do not know: IPVS drops too
                return DROPPED;
            }
            id = newFlow(service, proto, NeighbourTable.MAPPED_HIGH, source, sourcePort, NeighbourTable.MAPPED_HIGH,
                    destination, destinationPort, now, tx);
            if (id < 0) {
                return DROPPED;
            }
        }
        return forward(rx, offset, length, l3, l4Start, checksumPartial, id, proto, flags, now, tx);
    }

    /** Un-NATs the reply of a NAT flow found as {@code ref}, or says why not. */
    private int reply(MemorySegment rx, long offset, int length, int l3, int l4, boolean checksumPartial, int ref,
                      int proto, int flags, long now, FrameSink tx) {
        if (ref < 0 || (ref & 1) == 0) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        int id = ref >>> 1;
        if (flows.expired(id, now)) {
            flows.remove(id);
            counters.increment(Counters.FLOWS_EXPIRED);
            counters.increment(Counters.NO_FLOW);
            return DROPPED;
        }
        touch(id, proto, flags, true, now);
        return unNat(rx, offset, length, l3, l4, checksumPartial, id, proto, tx);
    }

    /** Forwards a client's packet on its flow {@code id}, DR or NAT as the flow says. */
    private int forward(MemorySegment rx, long offset, int length, int l3, int l4, boolean checksumPartial, int id,
                        int proto, int flags, long now, FrameSink tx) {
        touch(id, proto, flags, false, now);
        return flows.nat(id)
                ? forwardNat(rx, offset, length, l3, l4, checksumPartial, id, proto, tx)
                : forwardDirect(rx, offset, length, l3, l4, checksumPartial, id, proto, tx);
    }

    /** Whether a client's packet without a flow may open one: any UDP datagram, a TCP SYN (not SYN+ACK, not RST). */
    private static boolean opensFlow(int proto, int flags) {
        return proto != Ipv4Flyweight.PROTOCOL_TCP
                || (flags & (TcpFlyweight.SYN | TcpFlyweight.ACK | TcpFlyweight.RST)) == TcpFlyweight.SYN;
    }

    /**
     * Whether a client's mid-connection TCP segment (an ACK, no SYN, no RST) without a flow may open one: only in a
     * direct-routing service scheduled by Maglev, whose answer is the same on every balancer that has the same real
     * servers, so a connection that an ECMP router moves here (another balancer died or joined) goes on to the server
     * it began with, as in Maglev's and Katran's design. Other schedulers may answer differently here than where the
     * connection began, so a segment of a flow this node does not know is dropped, as IPVS does.
     */
    private static boolean adopts(ServiceState service, int proto, int flags) {
        return proto == Ipv4Flyweight.PROTOCOL_TCP && service.snapshot().adoptsMidConnection
                && (flags & (TcpFlyweight.SYN | TcpFlyweight.ACK | TcpFlyweight.RST)) == TcpFlyweight.ACK;
    }

    /**
     * The live client-side flow {@code ref} names, or -1 when the packet is to be scheduled afresh: no flow, an
     * expired one, or a SYN that reuses a closing flow's client port (both removed here).
     */
    private int clientFlow(int ref, int flags, long now) {
        int id = -1;
        if (ref >= 0 && (ref & 1) == 0) {
            id = ref >>> 1;
            if (flows.expired(id, now)) {
                flows.remove(id);
                counters.increment(Counters.FLOWS_EXPIRED);
                id = -1;
            } else if ((flags & (TcpFlyweight.SYN | TcpFlyweight.ACK)) == TcpFlyweight.SYN && flows.closing(id)) {
                flows.remove(id); // the client reuses its port for a new connection: schedule it afresh
                counters.increment(Counters.FLOWS_EXPIRED);
                id = -1;
            }
        }
        return id;
    }

    // ------------------------------------------------------------------ IPv6

    private static final int ICMPV6_DESTINATION_UNREACHABLE = 1;
    private static final int ICMPV6_PARAMETER_PROBLEM = 4;
    private static final int ICMPV6_NEIGHBOUR_SOLICITATION = 135;
    private static final int ICMPV6_NEIGHBOUR_ADVERTISEMENT = 136;
    private static final int ICMPV6_CHECKSUM_OFFSET = 2;
    /** Type, code, checksum, reserved or flags, and the 128-bit target of NS and NA (RFC 4861 4.3, 4.4). */
    private static final int NEIGHBOUR_MESSAGE_LENGTH = 24;
    private static final int OPTION_SOURCE_LINK_LAYER = 1;
    private static final int OPTION_TARGET_LINK_LAYER = 2;
    private static final int LINK_LAYER_OPTION_LENGTH = 8;
    private static final int NA_SOLICITED = 0x4000_0000;
    private static final int NA_OVERRIDE = 0x2000_0000;
    private static final long ALL_NODES_HIGH = 0xFF02_0000_0000_0000L;
    private static final long ALL_NODES_LOW = 1;
    private static final long NO_OPTION = -1;
    private static final long BAD_OPTION = -2;

    /**
     * An IPv6 frame: NDP for the VIPs and the backends, ICMPv6 errors about flows, and TCP/UDP to a VIP (or a NAT
     * flow's replies) forwarded like IPv4's. Everything is validated before it is used; what does not validate is
     * counted and dropped.
     */
    private int processIpv6(MemorySegment rx, long offset, int length, boolean checksumPartial, long now,
                            FrameSink tx) {
        counters.increment(Counters.IPV6);
        long destinationMac = ethernet.destination();
        boolean unicast = destinationMac == ownMac;
        if (!unicast && (destinationMac >>> 32) != 0x3333) {
            counters.increment(Counters.NOT_FOR_US); // neither to the engine's MAC nor IPv6 multicast (NDP)
            return NOT_FOR_US;
        }
        int l3 = ethernet.headerLength();
        int reason = ipv6.wrap(rx, offset + l3, length - l3, false);
        if (reason != Ipv6Flyweight.OK) {
            counters.increment(reason == Ipv6Flyweight.FRAGMENTED ? Counters.FRAGMENTS
                    : reason == Ipv6Flyweight.UNSUPPORTED_EXTENSION || reason == Ipv6Flyweight.TOO_MANY_EXTENSIONS
                    ? Counters.IPV6_EXTENSION_DROPPED : Counters.MALFORMED);
            return DROPPED;
        }
        int proto = ipv6.protocol();
        if (proto == Ipv6Flyweight.PROTOCOL_ICMPV6) {
            return processIcmpv6(rx, offset, length, l3, unicast, now, tx);
        }
        if (!unicast || (proto != Ipv6Flyweight.PROTOCOL_TCP && proto != Ipv6Flyweight.PROTOCOL_UDP)) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        long l4 = ipv6.transportOffset();
        int l4Length = ipv6.transportLength();
        boolean isTcp = proto == Ipv6Flyweight.PROTOCOL_TCP;
        if (!wrapTransport(isTcp, rx, l4, l4Length)) {
            return DROPPED;
        }
        if (!isTcp && !checksumPartial && Bytes.u16(rx, l4 + UdpFlyweight.CHECKSUM_OFFSET) == 0) {
            counters.increment(Counters.BAD_CHECKSUM); // RFC 8200 8.1: a zero UDP checksum is discarded
            return DROPPED;
        }
        int sourcePort = isTcp ? tcp.sourcePort() : udp.sourcePort();
        int destinationPort = isTcp ? tcp.destinationPort() : udp.destinationPort();
        int flags = isTcp ? tcp.flags() : 0;
        long sourceHigh = ipv6.source(true);
        long sourceLow = ipv6.source(false);
        long destinationHigh = ipv6.destination(true);
        long destinationLow = ipv6.destination(false);
        int ports = (sourcePort << 16) | destinationPort;
        int l4Start = (int) (l4 - offset);
        ServiceState service = findService6(destinationHigh, destinationLow, destinationPort, proto);
        int ref = flows.find6(sourceHigh, sourceLow, destinationHigh, destinationLow, ports, proto);
        if (service == null) {
            return reply(rx, offset, length, l3, l4Start, checksumPartial, ref, proto, flags, now, tx);
        }
        int id = clientFlow(ref, flags, now);
        if (id < 0) {
            if (!opensFlow(proto, flags) && !adopts(service, proto, flags)) {
                counters.increment(Counters.NO_FLOW);
                return DROPPED;
            }
            id = newFlow(service, proto, sourceHigh, sourceLow, sourcePort, destinationHigh, destinationLow,
                    destinationPort, now, tx);
            if (id < 0) {
                return DROPPED;
            }
        }
        return forward(rx, offset, length, l3, l4Start, checksumPartial, id, proto, flags, now, tx);
    }

    /**
     * Wraps the TCP or UDP flyweight over the transport header of either IP version; false, counted as malformed,
     * when the bytes hold no such header.
     */
    private boolean wrapTransport(boolean isTcp, MemorySegment rx, long l4, int l4Length) {
        if (isTcp ? tcp.wrap(rx, l4, l4Length) : udp.wrap(rx, l4, l4Length)) {
            return true;
        }
        counters.increment(Counters.MALFORMED);
        return false;
    }

    private ServiceState findService6(long high, long low, int port, int proto) {
        for (ServiceState s : serviceTable.services()) {
            if (s.ipv6 && s.isVip(high, low) && s.protocol == proto && s.hasPort(port)) {
                return s;
            }
        }
        return null;
    }

    private int processIcmpv6(MemorySegment rx, long offset, int length, int l3, boolean unicast, long now,
                              FrameSink tx) {
        long icmp = ipv6.transportOffset();
        int icmpLength = ipv6.transportLength();
        if (icmpLength < 8) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        int type = Bytes.u8(rx, icmp);
        if (type == ICMPV6_NEIGHBOUR_SOLICITATION || type == ICMPV6_NEIGHBOUR_ADVERTISEMENT) {
            // RFC 4861 7.1: from the link itself (hop limit 255, no router passed it on), code 0, long enough, and a
            // valid checksum: NDP decides where traffic goes, so nothing unchecked is believed.
            if (ipv6.hopLimit() != 255 || Bytes.u8(rx, icmp + 1) != 0 || icmpLength < NEIGHBOUR_MESSAGE_LENGTH) {
                counters.increment(Counters.MALFORMED);
                return DROPPED;
            }
            if (Checksums.transportIpv6(rx, icmp, icmpLength, ipv6.source(true), ipv6.source(false),
                    ipv6.destination(true), ipv6.destination(false), Ipv6Flyweight.PROTOCOL_ICMPV6,
                    ICMPV6_CHECKSUM_OFFSET) != Bytes.u16(rx, icmp + ICMPV6_CHECKSUM_OFFSET)) {
                counters.increment(Counters.BAD_CHECKSUM);
                return DROPPED;
            }
            return type == ICMPV6_NEIGHBOUR_SOLICITATION
                    ? answerSolicitation(rx, offset, l3, icmp, icmpLength, tx)
                    : learnAdvertisement(rx, icmp, icmpLength, unicast, now);
        }
        if (unicast && type >= ICMPV6_DESTINATION_UNREACHABLE && type <= ICMPV6_PARAMETER_PROBLEM) {
            return forwardIcmpError(rx, offset, length, l3, icmp, icmpLength, tx);
        }
        counters.increment(Counters.NOT_FOR_US);
        return NOT_FOR_US;
    }

    /**
     * The MAC in the first link-layer address option of {@code wanted} type among the options from {@code at} to
     * {@code end}, or {@link #NO_OPTION}, or {@link #BAD_OPTION} when an option has length 0 or runs past the end
     * (RFC 4861 4.6: such a message is discarded). Bounded: every option is at least 8 bytes.
     */
    private static long linkLayerOption(MemorySegment s, long at, long end, int wanted) {
        while (at < end) {
            if (at + 2 > end) {
                return BAD_OPTION;
            }
            int size = Bytes.u8(s, at + 1) * 8;
            if (size == 0 || at + size > end) {
                return BAD_OPTION;
            }
            if (Bytes.u8(s, at) == wanted && size == LINK_LAYER_OPTION_LENGTH) {
                return Bytes.mac(s, at + 2);
            }
            at += size;
        }
        return NO_OPTION;
    }

    /**
     * Answers a Neighbour Solicitation for a VIP (or an owned address) with the engine's MAC, while the engine answers
     * at all ({@link #answerArp}): solicited and override flags set, to the asker's link-layer address; a duplicate
     * address probe (unspecified source) gets an unsolicited answer to all nodes (RFC 4861 7.2.4). Like ARP requests,
     * solicitations teach the neighbour table nothing.
     */
    private int answerSolicitation(MemorySegment rx, long offset, int l3, long icmp, int icmpLength, FrameSink tx) {
        long targetHigh = Bytes.u64(rx, icmp + 8);
        long targetLow = Bytes.u64(rx, icmp + 16);
        if (!answeringArp || !answersFor6(targetHigh, targetLow)) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        long sourceHigh = ipv6.source(true);
        long sourceLow = ipv6.source(false);
        boolean probe = sourceHigh == 0 && sourceLow == 0;
        long option = linkLayerOption(rx, icmp + NEIGHBOUR_MESSAGE_LENGTH, icmp + icmpLength,
                OPTION_SOURCE_LINK_LAYER);
        long askerMac = option >= 0 ? option : ethernet.source();
        if (option == BAD_OPTION || (probe && option >= 0) || askerMac == 0 || EthernetFlyweight.isGroup(askerMac)) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        boolean sent = probe
                ? sendNeighbourMessage(rx, offset, l3, multicastMac(ALL_NODES_LOW), ICMPV6_NEIGHBOUR_ADVERTISEMENT,
                NA_OVERRIDE, targetHigh, targetLow, ALL_NODES_HIGH, ALL_NODES_LOW, targetHigh, targetLow, tx)
                : sendNeighbourMessage(rx, offset, l3, askerMac, ICMPV6_NEIGHBOUR_ADVERTISEMENT,
                NA_SOLICITED | NA_OVERRIDE, targetHigh, targetLow, sourceHigh, sourceLow, targetHigh, targetLow, tx);
        if (!sent) {
            return DROPPED;
        }
        counters.increment(Counters.NEIGHBOUR_ADVERTS_SENT);
        return ARP_ANSWERED;
    }

    /**
     * Learns a backend's MAC from a Neighbour Advertisement, under the ARP rules ({@link NeighbourTable#learn}): only
     * a solicited advertisement sent to the engine's MAC that answers its outstanding solicitation counts; the MAC is
     * the target link-layer address option's, or the frame's source when the option is absent.
     */
    private int learnAdvertisement(MemorySegment rx, long icmp, int icmpLength, boolean unicast, long now) {
        if (!ownsNeighbours) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        long option = linkLayerOption(rx, icmp + NEIGHBOUR_MESSAGE_LENGTH, icmp + icmpLength,
                OPTION_TARGET_LINK_LAYER);
        long mac = option >= 0 ? option : ethernet.source();
        if (option == BAD_OPTION || mac == 0 || EthernetFlyweight.isGroup(mac)) {
            counters.increment(Counters.MALFORMED);
            return DROPPED;
        }
        boolean solicited = (Bytes.i32(rx, icmp + 4) & NA_SOLICITED) != 0;
        int learned = neighbours.learn(Bytes.u64(rx, icmp + 8), Bytes.u64(rx, icmp + 16), mac, unicast && solicited,
                now);
        if (learned == NeighbourTable.LEARNED) {
            return ARP_LEARNED;
        }
        if (learned == NeighbourTable.UNSOLICITED) {
            counters.increment(Counters.ARP_UNSOLICITED);
            return DROPPED;
        }
        counters.increment(Counters.NOT_FOR_US);
        return NOT_FOR_US;
    }

    /**
     * Forwards an ICMPv6 error (Packet Too Big, destination unreachable, time exceeded, parameter problem) about a
     * flow to that flow's backend. Such an error answers a packet the backend sent as the VIP (a direct-routing reply,
     * or a NAT reply after un-NAT): the embedded packet runs VIP:port to client:port, so its 5-tuple read backwards is
     * the flow's key. Direct routing forwards the frame with new MACs (the backend holds the VIP and takes the error
     * as its own: a Packet Too Big lowers its path MTU to the client); a NAT flow's error is translated back (outer
     * destination and embedded source to the backend's address and port, the ICMPv6 checksum computed afresh; the
     * embedded transport checksum, of a packet cut short, is left as it is, as routers leave it).
     */
    private int forwardIcmpError(MemorySegment rx, long offset, int length, int l3, long icmp, int icmpLength,
                                 FrameSink tx) {
        long inner = icmp + 8;
        int available = icmpLength - 8;
        if (embedded.wrap(rx, inner, available, true) != Ipv6Flyweight.OK
                || embedded.headersLength() + 4 > available) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        int proto = embedded.protocol();
        long vipHigh = embedded.source(true);
        long vipLow = embedded.source(false);
        if ((proto != Ipv6Flyweight.PROTOCOL_TCP && proto != Ipv6Flyweight.PROTOCOL_UDP)
                || vipHigh != ipv6.destination(true) || vipLow != ipv6.destination(false)) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        long innerL4 = embedded.transportOffset();
        int vipPort = Bytes.u16(rx, innerL4 + TcpFlyweight.SOURCE_PORT_OFFSET);
        int clientPort = Bytes.u16(rx, innerL4 + TcpFlyweight.DESTINATION_PORT_OFFSET);
        int ref = flows.find6(embedded.destination(true), embedded.destination(false), vipHigh, vipLow,
                (clientPort << 16) | vipPort, proto);
        if (ref < 0 || (ref & 1) != 0) {
            counters.increment(Counters.NOT_FOR_US);
            return NOT_FOR_US;
        }
        int id = ref >>> 1;
        long mac = backendMac(id);
        if (mac < 0) {
            return DROPPED;
        }
        long o = tx.claim(length);
        if (o < 0) {
            counters.increment(Counters.TX_FULL);
            return DROPPED;
        }
        MemorySegment out = tx.segment();
        copyWithMacs(rx, offset, out, o, length, mac);
        if (flows.nat(id)) {
            long outIp = o + l3;
            long outIcmp = o + (icmp - offset);
            long outInner = o + (inner - offset);
            long backendHigh = flows.backend6(id, true);
            long backendLow = flows.backend6(id, false);
            Bytes.u64(out, outIp + Ipv6Flyweight.DESTINATION_OFFSET, backendHigh);
            Bytes.u64(out, outIp + Ipv6Flyweight.DESTINATION_OFFSET + 8, backendLow);
            Bytes.u64(out, outInner + Ipv6Flyweight.SOURCE_OFFSET, backendHigh);
            Bytes.u64(out, outInner + Ipv6Flyweight.SOURCE_OFFSET + 8, backendLow);
            Bytes.u16(out, o + (innerL4 - offset) + TcpFlyweight.SOURCE_PORT_OFFSET, flows.backendPort(id));
            Bytes.u16(out, outIcmp + ICMPV6_CHECKSUM_OFFSET, transportChecksum(out, outIp, outIcmp, icmpLength,
                    Ipv6Flyweight.PROTOCOL_ICMPV6, ICMPV6_CHECKSUM_OFFSET));
        }
        tx.commit(o, length);
        counters.increment(Counters.TX_FRAMES);
        counters.increment(Counters.ICMP_ERRORS_FORWARDED);
        return FORWARDED;
    }

    /** The Ethernet multicast address of an IPv6 multicast group, by its low 32 bits (RFC 2464 7). */
    private static long multicastMac(long groupLow) {
        return 0x3333_0000_0000L | (groupLow & 0xFFFF_FFFFL);
    }

    /** Multicasts "who has {@code (high, low)}?" to its solicited-node group from the engine's link-local address. */
    void sendNeighbourSolicitation(long high, long low, FrameSink tx) {
        long groupLow = 0x0000_0001_FF00_0000L | (low & 0xFF_FFFFL); // ff02::1:ffXX:XXXX (RFC 4291 2.7.1)
        if (sendNeighbourMessage(null, 0, EthernetFlyweight.HEADER_LENGTH, multicastMac(groupLow),
                ICMPV6_NEIGHBOUR_SOLICITATION, 0, linkLocalHigh, linkLocalLow, ALL_NODES_HIGH, groupLow, high, low,
                tx)) {
            counters.increment(Counters.NEIGHBOUR_SOLICITS_SENT);
        }
    }

    /**
     * Multicasts an unsolicited Neighbour Advertisement for {@code vip} to all nodes (override set, solicited not, as
     * the Linux kernel and keepalived send them on takeover), so neighbours move their cache entry to this node.
     */
    void sendUnsolicitedAdvertisement(long vipHigh, long vipLow, FrameSink tx) {
        if (sendNeighbourMessage(null, 0, EthernetFlyweight.HEADER_LENGTH, multicastMac(ALL_NODES_LOW),
                ICMPV6_NEIGHBOUR_ADVERTISEMENT, NA_OVERRIDE, vipHigh, vipLow, ALL_NODES_HIGH, ALL_NODES_LOW, vipHigh,
                vipLow, tx)) {
            counters.increment(Counters.NEIGHBOUR_ADVERTS_SENT);
        }
    }

    /**
     * Writes and sends one NS or NA with the engine's MAC in its link-layer address option (source for NS, target
     * for NA). An answer copies the asked frame's link-layer header ({@code rx} not null: VLAN tags kept, so it goes
     * back where the question came from); otherwise an untagged header is built.
     */
    private boolean sendNeighbourMessage(MemorySegment rx, long offset, int l3, long destinationMac, int type,
                                         int flags, long sourceHigh, long sourceLow, long destinationHigh,
                                         long destinationLow, long targetHigh, long targetLow, FrameSink tx) {
        int icmpLength = NEIGHBOUR_MESSAGE_LENGTH + LINK_LAYER_OPTION_LENGTH;
        int frameLength = l3 + Ipv6Flyweight.HEADER_LENGTH + icmpLength;
        long o = tx.claim(frameLength);
        if (o < 0) {
            counters.increment(Counters.TX_FULL);
            return false;
        }
        MemorySegment out = tx.segment();
        if (rx != null) {
            MemorySegment.copy(rx, offset, out, o, l3);
        } else {
            Bytes.u16(out, o + EthernetFlyweight.TYPE_OFFSET, EthernetFlyweight.TYPE_IPV6);
        }
        Bytes.mac(out, o + EthernetFlyweight.DESTINATION_OFFSET, destinationMac);
        Bytes.mac(out, o + EthernetFlyweight.SOURCE_OFFSET, ownMac);
        long ip = o + l3;
        Bytes.i32(out, ip, 0x6000_0000);
        Bytes.u16(out, ip + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, icmpLength);
        Bytes.u8(out, ip + Ipv6Flyweight.NEXT_HEADER_OFFSET, Ipv6Flyweight.PROTOCOL_ICMPV6);
        Bytes.u8(out, ip + Ipv6Flyweight.HOP_LIMIT_OFFSET, 255);
        Bytes.u64(out, ip + Ipv6Flyweight.SOURCE_OFFSET, sourceHigh);
        Bytes.u64(out, ip + Ipv6Flyweight.SOURCE_OFFSET + 8, sourceLow);
        Bytes.u64(out, ip + Ipv6Flyweight.DESTINATION_OFFSET, destinationHigh);
        Bytes.u64(out, ip + Ipv6Flyweight.DESTINATION_OFFSET + 8, destinationLow);
        long icmp = ip + Ipv6Flyweight.HEADER_LENGTH;
        Bytes.u8(out, icmp, type);
        Bytes.u8(out, icmp + 1, 0);
        Bytes.u16(out, icmp + ICMPV6_CHECKSUM_OFFSET, 0);
        Bytes.i32(out, icmp + 4, flags);
        Bytes.u64(out, icmp + 8, targetHigh);
        Bytes.u64(out, icmp + 16, targetLow);
        Bytes.u8(out, icmp + 24, type == ICMPV6_NEIGHBOUR_SOLICITATION ? OPTION_SOURCE_LINK_LAYER
                : OPTION_TARGET_LINK_LAYER);
        Bytes.u8(out, icmp + 25, 1);
        Bytes.mac(out, icmp + 26, ownMac);
        Bytes.u16(out, icmp + ICMPV6_CHECKSUM_OFFSET, transportChecksum(out, ip, icmp, icmpLength,
                Ipv6Flyweight.PROTOCOL_ICMPV6, ICMPV6_CHECKSUM_OFFSET));
        tx.commit(o, frameLength);
        counters.increment(Counters.TX_FRAMES);
        return true;
    }

    private void touch(int id, int proto, int flags, boolean reply, long now) {
        if (proto != Ipv4Flyweight.PROTOCOL_TCP) {
            flows.onUdp(id, now);
            return;
        }
        int noticed = reply ? flows.onTcpReply(id, flags, now) : flows.onTcp(id, flags, now);
        if (noticed == FlowTable.TCP_OVER_LIMIT) {
            counters.increment(Counters.ESTABLISHED_OVER_LIMIT);
        } else if (noticed == FlowTable.TCP_ACK_BEFORE_SERVER) {
            counters.increment(Counters.ACK_BEFORE_SERVER);
        }
    }

    private ServiceState findService(int address, int port, int proto) {
        for (ServiceState s : serviceTable.services()) {
            if (s.vip == address && s.protocol == proto && s.hasPort(port)) {
                return s;
            }
        }
        return null;
    }

    /**
     * Schedules a new flow of either family: an IPv4 client and VIP are given as the low halves of their 128-bit
     * keys (the high halves are ignored then).
     */
    private int newFlow(ServiceState service, int proto, long clientHigh, long clientLow, int clientPort, long vipHigh,
                        long vipLow, int vipPort, long now, FrameSink tx) {
        if (!acceptingNewFlows) {
            counters.increment(Counters.NO_BACKEND);
            return -1;
        }
        ServiceState.Snapshot snapshot = service.snapshot();
        boolean v6 = service.ipv6;
        // The table's keys apply the service's persistence netmask; allocation-free for both families.
        Backend backend = snapshot.table.route(v6 ? snapshot.table.clientKeyForIpv6(clientHigh, clientLow)
                : snapshot.table.clientKeyForIpv4((int) clientLow));
        if (backend == null) {
            counters.increment(Counters.NO_BACKEND);
            return -1;
        }
        int i = snapshot.indexOf(backend);
        if (i < 0) { // route() only returns the snapshot's own backends; defensive
            backend.release();
            counters.increment(Counters.NO_BACKEND);
            return -1;
        }
        long mac = neighbours.lookup(snapshot.addressesHigh[i], snapshot.addressesLow[i]);
        if (ownsNeighbours) {
            resolve(v6, snapshot.addressesHigh[i], snapshot.addressesLow[i], now, tx);
        }
        if (mac == NeighbourTable.UNKNOWN) {
            backend.release(); // the client retransmits its SYN; by then the MAC is known
            counters.increment(Counters.NEIGHBOUR_MISS);
            return -1;
        }
        boolean natted = snapshot.natted[i];
        int targetPort = natted ? backend.targetPort(vipPort) : vipPort;
        long clientMac = ethernet.source();
        int id = -1;
        for (int attempt = 0; attempt < 2 && id < 0; attempt++) {
            if (attempt > 0) {
                evictOne();
            }
            id = v6 ? flows.insert6(service.id, proto, clientHigh, clientLow, clientPort, vipHigh, vipLow, vipPort,
                    clientMac, backend, snapshot.addressesHigh[i], snapshot.addressesLow[i], targetPort, mac, natted,
                    now)
                    : flows.insert(service.id, proto, (int) clientLow, clientPort, (int) vipLow, vipPort, clientMac,
                    backend, snapshot.addresses[i], targetPort, mac, natted, now);
        }
        counters.increment(Counters.FLOWS_CREATED);
        return id;
    }

    /**
     * Sends an ARP request (IPv4, {@code high} ignored) or a Neighbour Solicitation (IPv6) for an address if one is
     * due (see {@link NeighbourTable#resolve}).
     */
    private void resolve(boolean v6, long high, long low, long now, FrameSink tx) {
        int due = neighbours.resolve(high, low, now);
        if (due == NeighbourTable.SEND_REQUEST) {
            if (v6) {
                sendNeighbourSolicitation(high, low, tx);
            } else {
                sendArpRequest((int) low, tx);
            }
        } else if (due == NeighbourTable.TABLE_FULL) {
            counters.increment(Counters.NEIGHBOUR_TABLE_FULL);
        }
    }

    /** Makes room in the full flow table, counting the victim by the state it was in. */
    private void evictOne() {
        int state = flows.evictOne();
        counters.increment(Counters.FLOWS_EVICTED);
        if (state == FlowTable.STATE_SYN) {
            counters.increment(Counters.FLOWS_EVICTED_HALF_OPEN);
        } else if (state == FlowTable.STATE_ESTABLISHED || state == FlowTable.STATE_UDP) {
            counters.increment(Counters.FLOWS_EVICTED_ACTIVE);
        }
    }

    private int forwardDirect(MemorySegment rx, long offset, int length, int l3, int l4, boolean checksumPartial,
                              int id, int proto, FrameSink tx) {
        long mac = backendMac(id);
        if (mac < 0) {
            return DROPPED;
        }
        if (!emit(rx, offset, length, l3, l4, checksumPartial, proto, mac, REWRITE_NONE, 0, 0, 0, tx)) {
            return DROPPED;
        }
        counters.increment(Counters.FORWARDED_DR);
        countBytes(rx, offset, l3, id, true);
        return FORWARDED;
    }

    /** The IP datagram's length from its header (without Ethernet padding; a super-frame's whole length). */
    private static int ipLength(MemorySegment rx, long offset, int l3, boolean v6) {
        return v6 ? Ipv6Flyweight.HEADER_LENGTH + Bytes.u16(rx, offset + l3 + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET)
                : Bytes.u16(rx, offset + l3 + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
    }

    /** Counts a forwarded datagram's IP bytes toward its flow's backend ({@link FlowTable#countBytes}). */
    private void countBytes(MemorySegment rx, long offset, int l3, int id, boolean toServer) {
        flows.countBytes(id, toServer, ipLength(rx, offset, l3, Bytes.u8(rx, offset + l3) >>> 4 == 6));
    }

    private static final int REWRITE_NONE = 0;
    private static final int REWRITE_DESTINATION = 1;
    private static final int REWRITE_SOURCE = 2;

    /**
     * Sends a copy of a validated IPv4 or IPv6 TCP/UDP frame to {@code destinationMac} from the balancer's MAC, with
     * its source or destination address and port rewritten when {@code rewrite} says so. Keeps the frame's offloads
     * (GSO over IPv4 or IPv6 alike) when the path has virtio-net headers; otherwise segments a TCP super-frame and
     * completes a partial checksum.
     *
     * @param l4          where the transport header starts in the frame (after IPv4 options or IPv6 extensions)
     * @param addressHigh the new address's upper 64 bits (IPv6 only)
     * @param addressLow  the new address's lower 64 bits, or the new IPv4 address in its low 32 bits
     * @return whether it was sent (false: counted as dropped)
     */
    private boolean emit(MemorySegment rx, long offset, int length, int l3, int l4, boolean checksumPartial, int proto,
                         long destinationMac, int rewrite, long addressHigh, long addressLow, int port, FrameSink tx) {
        boolean v6 = Bytes.u8(rx, offset + l3) >>> 4 == 6;
        int ipLength = ipLength(rx, offset, l3, v6);
        boolean superFrame = ipLength > mtu;
        if (superFrame && !(vnet && VirtioNetHeader.gsoType(rx, offset - VirtioNetHeader.LENGTH)
                != VirtioNetHeader.GSO_NONE)) {
            if (proto != Ipv4Flyweight.PROTOCOL_TCP) {
                counters.increment(Counters.OVERSIZE); // a UDP datagram larger than the MTU without GSO metadata
                return false;
            }
            return segmentInSoftware(rx, offset, l3, l4, ipLength, v6, destinationMac, rewrite, addressHigh,
                    addressLow, port, tx);
        }
        long o = tx.claim(length);
        if (o < 0) {
            counters.increment(Counters.TX_FULL);
            return false;
        }
        MemorySegment out = tx.segment();
        // A super-frame's payload stays where it is: only its headers are copied (and rewritten), the sink gathers.
        int copied = superFrame ? headersLength(rx, offset, l4, proto) : length;
        copyWithMacs(rx, offset, out, o, copied, destinationMac);
        boolean keepPartial = false;
        if (vnet) {
            VirtioNetHeader.copy(rx, offset - VirtioNetHeader.LENGTH, out, o - VirtioNetHeader.LENGTH);
            keepPartial = checksumPartial;
        }
        if (rewrite != REWRITE_NONE && v6) {
            rewrite6(out, o + l3, o + l4, proto, rewrite == REWRITE_SOURCE, addressHigh, addressLow, port,
                    checksumPartial, keepPartial);
        } else if (rewrite != REWRITE_NONE) {
            rewrite(out, o + l3, rewrite == REWRITE_SOURCE, (int) addressLow, port, checksumPartial, keepPartial);
        } else if (checksumPartial && !keepPartial) {
            completeTransportChecksum(out, o + l3, o + l4, proto);
        }
        if (superFrame) {
            tx.commit(o, copied, rx, offset + copied, length - copied);
            counters.increment(Counters.SUPER_FRAMES);
        } else {
            tx.commit(o, length);
        }
        counters.increment(Counters.TX_FRAMES);
        return true;
    }

    // Ethernet, IP and TCP (or UDP) headers of a validated frame: what a rewrite may touch.
    private static int headersLength(MemorySegment rx, long offset, int l4, int proto) {
        int l4Header = proto == Ipv4Flyweight.PROTOCOL_TCP
                ? (Bytes.u8(rx, offset + l4 + TcpFlyweight.DATA_OFFSET_OFFSET) >>> 4) * 4 : UdpFlyweight.HEADER_LENGTH;
        return l4 + l4Header;
    }

    /**
     * Cuts a TCP super-frame into segments that fit the MTU (or the sender's segment size, where the virtio-net header
     * gives it), as the kernel's GSO would: every segment gets the headers (IPv6 extension headers included), its
     * slice of the payload, its sequence number, an IPv4 identification one higher than the last (IPv6 has none),
     * FIN and PSH on the last segment only, CWR on the first only, and complete checksums (computed in full, as its
     * IP and TCP lengths are new).
     */
    private boolean segmentInSoftware(MemorySegment rx, long offset, int l3, int l4Start, int ipLength, boolean v6,
                                      long destinationMac, int rewrite, long addressHigh, long addressLow, int port,
                                      FrameSink tx) {
        long ip = offset + l3;
        int ipHeader = l4Start - l3;
        long l4 = ip + ipHeader;
        int tcpHeader = (Bytes.u8(rx, l4 + TcpFlyweight.DATA_OFFSET_OFFSET) >>> 4) * 4;
        int headers = l3 + ipHeader + tcpHeader;
        int payload = ipLength - ipHeader - tcpHeader;
        int mss = mtu - ipHeader - tcpHeader;
        if (vnet) {
            int gsoSize = VirtioNetHeader.gsoSize(rx, offset - VirtioNetHeader.LENGTH);
            if (gsoSize > 0 && gsoSize < mss) {
                mss = gsoSize;
            }
        }
        if (mss <= 0 || payload <= 0) {
            counters.increment(Counters.OVERSIZE);
            return false;
        }
        int identification = v6 ? 0 : Bytes.u16(rx, ip + Ipv4Flyweight.IDENTIFICATION_OFFSET);
        int sequence = Bytes.i32(rx, l4 + TcpFlyweight.SEQUENCE_OFFSET);
        int flags = Bytes.u8(rx, l4 + TcpFlyweight.FLAGS_OFFSET);
        for (int at = 0, k = 0; at < payload; at += mss, k++) {
            int n = Math.min(mss, payload - at);
            int frameLength = headers + n;
            long o = tx.claim(frameLength);
            if (o < 0) {
                counters.increment(Counters.TX_FULL); // the rest is lost; TCP retransmits it
                return false;
            }
            MemorySegment out = tx.segment();
            MemorySegment.copy(rx, offset, out, o, headers);
            MemorySegment.copy(rx, offset + headers + at, out, o + headers, n);
            Bytes.mac(out, o + EthernetFlyweight.DESTINATION_OFFSET, destinationMac);
            Bytes.mac(out, o + EthernetFlyweight.SOURCE_OFFSET, ownMac);
            long outIp = o + l3;
            long outL4 = outIp + ipHeader;
            if (v6) {
                Bytes.u16(out, outIp + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET,
                        ipHeader - Ipv6Flyweight.HEADER_LENGTH + tcpHeader + n);
                if (rewrite != REWRITE_NONE) {
                    long field = outIp + (rewrite == REWRITE_DESTINATION ? Ipv6Flyweight.DESTINATION_OFFSET
                            : Ipv6Flyweight.SOURCE_OFFSET);
                    Bytes.u64(out, field, addressHigh);
                    Bytes.u64(out, field + 8, addressLow);
                }
            } else {
                Bytes.u16(out, outIp + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, ipHeader + tcpHeader + n);
                Bytes.u16(out, outIp + Ipv4Flyweight.IDENTIFICATION_OFFSET, (identification + k) & 0xFFFF);
                if (rewrite != REWRITE_NONE) {
                    Bytes.i32(out, outIp + (rewrite == REWRITE_DESTINATION ? Ipv4Flyweight.DESTINATION_OFFSET
                            : Ipv4Flyweight.SOURCE_OFFSET), (int) addressLow);
                }
                Bytes.u16(out, outIp + Ipv4Flyweight.CHECKSUM_OFFSET, Checksums.ipv4Header(out, outIp, ipHeader));
            }
            if (rewrite == REWRITE_DESTINATION) {
                Bytes.u16(out, outL4 + TcpFlyweight.DESTINATION_PORT_OFFSET, port);
            } else if (rewrite == REWRITE_SOURCE) {
                Bytes.u16(out, outL4 + TcpFlyweight.SOURCE_PORT_OFFSET, port);
            }
            Bytes.i32(out, outL4 + TcpFlyweight.SEQUENCE_OFFSET, sequence + at);
            int f = flags;
            if (at + n < payload) {
                f &= ~(TcpFlyweight.FIN | TcpFlyweight.PSH);
            }
            if (k > 0) {
                f &= ~TcpFlyweight.CWR;
            }
            Bytes.u8(out, outL4 + TcpFlyweight.FLAGS_OFFSET, f);
            Bytes.u16(out, outL4 + TcpFlyweight.CHECKSUM_OFFSET, transportChecksum(out, outIp, outL4, tcpHeader + n,
                    Ipv4Flyweight.PROTOCOL_TCP, TcpFlyweight.CHECKSUM_OFFSET));
            tx.commit(o, frameLength);
            counters.increment(Counters.TX_FRAMES);
        }
        counters.increment(Counters.SOFTWARE_SEGMENTED);
        return true;
    }

    // A flow synced from the peer before this node had resolved its backend carries no MAC (UNKNOWN, negative; a
    // real MAC is 48 bits): take it from the neighbour table, which tick() keeps resolving for every backend.
    private long backendMac(int id) {
        long mac = flows.backendMac(id);
        if (mac >= 0) {
            return mac;
        }
        mac = flows.ipv6(id) ? neighbours.lookup(flows.backend6(id, true), flows.backend6(id, false))
                : neighbours.lookup(flows.backendIp(id));
        if (mac == NeighbourTable.UNKNOWN) {
            counters.increment(Counters.NEIGHBOUR_MISS);
            return mac;
        }
        flows.backendMac(id, mac);
        return mac;
    }

    /**
     * Copies a frame behind new MAC addresses. Frames of up to 64 bytes (SYNs, ACKs, small requests: most of what a
     * balancer sees) move as eight unrolled 8-byte words when the ring holds that many bytes (reading past the
     * frame's end inside the ring is harmless), which spares the variable-length bulk copy's set-up; the MACs are
     * written after the copy, never read back.
     */
    private void copyWithMacs(MemorySegment rx, long offset, MemorySegment out, long o, int length,
                              long destinationMac) {
        if (length <= SHORT_FRAME && offset + SHORT_FRAME <= rx.byteSize()) {
            out.set(RAW64, o, rx.get(RAW64, offset));
            out.set(RAW64, o + 8, rx.get(RAW64, offset + 8));
            out.set(RAW64, o + 16, rx.get(RAW64, offset + 16));
            out.set(RAW64, o + 24, rx.get(RAW64, offset + 24));
            out.set(RAW64, o + 32, rx.get(RAW64, offset + 32));
            out.set(RAW64, o + 40, rx.get(RAW64, offset + 40));
            out.set(RAW64, o + 48, rx.get(RAW64, offset + 48));
            out.set(RAW64, o + 56, rx.get(RAW64, offset + 56));
        } else {
            MemorySegment.copy(rx, offset, out, o, length);
        }
        Bytes.mac(out, o + EthernetFlyweight.DESTINATION_OFFSET, destinationMac);
        Bytes.mac(out, o + EthernetFlyweight.SOURCE_OFFSET, ownMac);
    }

    private int forwardNat(MemorySegment rx, long offset, int length, int l3, int l4, boolean checksumPartial, int id,
                           int proto, FrameSink tx) {
        long mac = backendMac(id);
        if (mac < 0) {
            return DROPPED;
        }
        boolean v6 = flows.ipv6(id);
        if (!emit(rx, offset, length, l3, l4, checksumPartial, proto, mac, REWRITE_DESTINATION,
                v6 ? flows.backend6(id, true) : 0, v6 ? flows.backend6(id, false) : flows.backendIp(id),
                flows.backendPort(id), tx)) {
            return DROPPED;
        }
        counters.increment(Counters.FORWARDED_NAT);
        countBytes(rx, offset, l3, id, true);
        return FORWARDED;
    }

    private int unNat(MemorySegment rx, long offset, int length, int l3, int l4, boolean checksumPartial, int id,
                      int proto, FrameSink tx) {
        boolean v6 = flows.ipv6(id);
        if (!emit(rx, offset, length, l3, l4, checksumPartial, proto, flows.clientMac(id), REWRITE_SOURCE,
                v6 ? flows.vip6(id, true) : 0, v6 ? flows.vip6(id, false) : flows.vip(id), flows.vipPort(id), tx)) {
            return DROPPED;
        }
        counters.increment(Counters.REPLIES_UNNATTED);
        countBytes(rx, offset, l3, id, false);
        return REPLY_FORWARDED;
    }

    /**
     * Rewrites the source (replies) or destination (requests) address and port of an IPv4 TCP/UDP packet that
     * {@link #processIpv4} validated, patching both checksums incrementally (RFC 1624): the address is in the IPv4
     * header sum and, through the pseudo-header, in the transport sum; the port only in the transport sum. A partial
     * transport checksum (only the pseudo-header's sum, not complemented, for the NIC or the kernel to complete) is
     * either completed here or, when {@code keepPartial}, kept partial: then only the address moves its sum, since
     * the port is in the part still to be summed.
     */
    private void rewrite(MemorySegment s, long ip, boolean source, int address, int port, boolean checksumPartial,
                         boolean keepPartial) {
        long addressOffset = ip + (source ? Ipv4Flyweight.SOURCE_OFFSET : Ipv4Flyweight.DESTINATION_OFFSET);
        int oldAddress = Bytes.i32(s, addressOffset);
        Bytes.i32(s, addressOffset, address);
        long ipChecksum = ip + Ipv4Flyweight.CHECKSUM_OFFSET;
        Bytes.u16(s, ipChecksum, Checksums.update32(Bytes.u16(s, ipChecksum), oldAddress, address));

        int headerLength = (Bytes.u8(s, ip) & 0x0F) * 4;
        long l4 = ip + headerLength;
        int proto = Bytes.u8(s, ip + Ipv4Flyweight.PROTOCOL_OFFSET);
        boolean isTcp = proto == Ipv4Flyweight.PROTOCOL_TCP;
        long portOffset = l4 + (source ? TcpFlyweight.SOURCE_PORT_OFFSET : TcpFlyweight.DESTINATION_PORT_OFFSET);
        int oldPort = Bytes.u16(s, portOffset);
        Bytes.u16(s, portOffset, port);
        long l4Checksum = l4 + (isTcp ? TcpFlyweight.CHECKSUM_OFFSET : UdpFlyweight.CHECKSUM_OFFSET);
        if (keepPartial) {
            // The field holds the pseudo-header's sum S uncomplemented: ~S is a checksum RFC 1624 can update.
            int seed = Bytes.u16(s, l4Checksum);
            Bytes.u16(s, l4Checksum, ~Checksums.update32(~seed & 0xFFFF, oldAddress, address) & 0xFFFF);
            return;
        }
        if (checksumPartial) {
            completeTransportChecksum(s, ip, l4, proto);
            return;
        }
        int sum = Bytes.u16(s, l4Checksum);
        if (!isTcp && sum == 0) {
            return; // UDP without a checksum stays without one
        }
        sum = Checksums.update32(sum, oldAddress, address);
        sum = Checksums.update16(sum, oldPort, port);
        if (!isTcp && sum == 0) {
            sum = 0xFFFF; // RFC 768: a computed 0 is sent as all ones
        }
        Bytes.u16(s, l4Checksum, sum);
    }

    /** Replaces an offloaded (pseudo-header only) transport checksum with the full one. */
    private void completeTransportChecksum(MemorySegment s, long ip, long l4, int proto) {
        int checksumOffset = proto == Ipv4Flyweight.PROTOCOL_TCP ? TcpFlyweight.CHECKSUM_OFFSET
                : UdpFlyweight.CHECKSUM_OFFSET;
        boolean v6 = Bytes.u8(s, ip) >>> 4 == 6;
        int end = v6 ? Ipv6Flyweight.HEADER_LENGTH + Bytes.u16(s, ip + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET)
                : Bytes.u16(s, ip + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
        Bytes.u16(s, l4 + checksumOffset, transportChecksum(s, ip, l4, (int) (ip + end - l4), proto, checksumOffset));
        counters.increment(Counters.CHECKSUMS_COMPLETED);
    }

    /** The full TCP/UDP checksum of the segment at {@code l4} over the IPv4 or IPv6 header at {@code ip}. */
    private static int transportChecksum(MemorySegment s, long ip, long l4, int length, int proto,
                                         int checksumOffset) {
        if (Bytes.u8(s, ip) >>> 4 == 6) {
            return Checksums.transportIpv6(s, l4, length, Bytes.u64(s, ip + Ipv6Flyweight.SOURCE_OFFSET),
                    Bytes.u64(s, ip + Ipv6Flyweight.SOURCE_OFFSET + 8),
                    Bytes.u64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET),
                    Bytes.u64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET + 8), proto, checksumOffset);
        }
        return Checksums.transportIpv4(s, l4, length, Bytes.i32(s, ip + Ipv4Flyweight.SOURCE_OFFSET),
                Bytes.i32(s, ip + Ipv4Flyweight.DESTINATION_OFFSET), proto, checksumOffset);
    }

    /**
     * NAT66: rewrites the source (replies) or destination (requests) address and port of an IPv6 TCP/UDP packet that
     * {@link #processIpv6} validated. IPv6 has no header checksum; the transport checksum covers the address through
     * the pseudo-header and is patched incrementally (RFC 1624) for the eight address words and the port, or kept
     * partial or completed as {@link #rewrite} does. A UDP checksum is never 0 in IPv6 (the path drops such
     * datagrams), and a computed 0 is sent as all ones.
     */
    private void rewrite6(MemorySegment s, long ip, long l4, int proto, boolean source, long high, long low, int port,
                          boolean checksumPartial, boolean keepPartial) {
        long addressOffset = ip + (source ? Ipv6Flyweight.SOURCE_OFFSET : Ipv6Flyweight.DESTINATION_OFFSET);
        long oldHigh = Bytes.u64(s, addressOffset);
        long oldLow = Bytes.u64(s, addressOffset + 8);
        Bytes.u64(s, addressOffset, high);
        Bytes.u64(s, addressOffset + 8, low);
        boolean isTcp = proto == Ipv6Flyweight.PROTOCOL_TCP;
        long portOffset = l4 + (source ? TcpFlyweight.SOURCE_PORT_OFFSET : TcpFlyweight.DESTINATION_PORT_OFFSET);
        int oldPort = Bytes.u16(s, portOffset);
        Bytes.u16(s, portOffset, port);
        long l4Checksum = l4 + (isTcp ? TcpFlyweight.CHECKSUM_OFFSET : UdpFlyweight.CHECKSUM_OFFSET);
        if (keepPartial) {
            int seed = Bytes.u16(s, l4Checksum);
            Bytes.u16(s, l4Checksum, ~Checksums.update128(~seed & 0xFFFF, oldHigh, oldLow, high, low) & 0xFFFF);
            return;
        }
        if (checksumPartial) {
            completeTransportChecksum(s, ip, l4, proto);
            return;
        }
        int sum = Checksums.update128(Bytes.u16(s, l4Checksum), oldHigh, oldLow, high, low);
        sum = Checksums.update16(sum, oldPort, port);
        if (!isTcp && sum == 0) {
            sum = 0xFFFF;
        }
        Bytes.u16(s, l4Checksum, sum);
    }

    /** Broadcasts "who has {@code target}?" from the balancer's own MAC and address. */
    void sendArpRequest(int target, FrameSink tx) {
        if (broadcastArpRequest(ownIp, target, tx)) {
            counters.increment(Counters.ARP_REQUESTS_SENT);
        }
    }

    /**
     * Broadcasts a gratuitous ARP for {@code vip} from the balancer's MAC (an ARP request whose sender and target are
     * both the VIP, as keepalived and the Linux kernel send them), so clients and switches move to this node at once.
     */
    void sendGratuitousArp(int vip, FrameSink tx) {
        if (broadcastArpRequest(vip, vip, tx)) {
            counters.increment(Counters.GRATUITOUS_ARPS_SENT);
        }
    }

    private boolean broadcastArpRequest(int senderIp, int target, FrameSink tx) {
        long o = tx.claim(MIN_FRAME);
        if (o < 0) {
            counters.increment(Counters.TX_FULL);
            return false;
        }
        MemorySegment out = tx.segment();
        Bytes.zero(out, o, MIN_FRAME);
        Bytes.mac(out, o + EthernetFlyweight.DESTINATION_OFFSET, EthernetFlyweight.BROADCAST);
        Bytes.mac(out, o + EthernetFlyweight.SOURCE_OFFSET, ownMac);
        Bytes.u16(out, o + EthernetFlyweight.TYPE_OFFSET, EthernetFlyweight.TYPE_ARP);
        ArpFlyweight.write(out, o + EthernetFlyweight.HEADER_LENGTH, ArpFlyweight.OPERATION_REQUEST, ownMac, senderIp,
                0L, target);
        tx.commit(o, MIN_FRAME);
        counters.increment(Counters.TX_FRAMES);
        return true;
    }

    // ------------------------------------------------------------------ packet thread: flow-state sync

    /**
     * Moves up to {@code max} entries of the flow journal to {@code out} as updates naming their service (the sync
     * thread only: the journal's single consumer). Entries of a service uninstalled since are skipped: the peer
     * purges that service's flows itself.
     */
    void pollUpdates(int max, List<FlowUpdate> out) {
        flows.journal().drain((kind, protocol, state, nat, serviceId, client, clientPort, vip, vipPort, backend,
                               backendPort, clientMac) -> {
            String label = serviceLabel(serviceId);
            if (label != null) {
                out.add(new FlowUpdate(kind == FlowJournal.KIND_UPSERT ? FlowUpdate.Kind.UPSERT
                        : FlowUpdate.Kind.REMOVE, label, protocol, syncState(state), nat, client,
                        clientPort, vip, vipPort, backend, backendPort, clientMac));
            }
        }, max);
    }

    // The flow table's state codes as flow sync names them, and back.
    private static FlowUpdate.State syncState(int code) {
        return switch (code) {
            case FlowTable.STATE_SYN -> FlowUpdate.State.SYN;
            case FlowTable.STATE_ESTABLISHED -> FlowUpdate.State.ESTABLISHED;
            case FlowTable.STATE_FIN -> FlowUpdate.State.FIN;
            case FlowTable.STATE_CLOSE -> FlowUpdate.State.CLOSE;
            case FlowTable.STATE_UDP -> FlowUpdate.State.UDP;
            default -> throw new IllegalArgumentException("flow state code: " + code + " (expected: 1-5)");
        };
    }

    private static int stateCode(FlowUpdate.State state) {
        return switch (state) {
            case SYN -> FlowTable.STATE_SYN;
            case ESTABLISHED -> FlowTable.STATE_ESTABLISHED;
            case FIN -> FlowTable.STATE_FIN;
            case CLOSE -> FlowTable.STATE_CLOSE;
            case UDP -> FlowTable.STATE_UDP;
        };
    }

    /**
     * Applies one flow change the peer's sync reported: creates the flow with the backend the peer chose (claiming
     * a connection slot when the backend has one free), updates its state, or removes it. Never sent back to the
     * peer. Rejected, counted, when this node has no such service or backend (its configuration differs) or the
     * flow does not match the service (another protocol or a port it does not listen on).
     *
     * @return whether it was applied
     */
    boolean applySynced(FlowUpdate update, long now) {
        ServiceState service = null;
        for (ServiceState s : serviceTable.services()) {
            if (s.label.equals(update.service())) {
                service = s;
                break;
            }
        }
        if (service == null || service.vip != update.vip() || service.protocol != update.protocol()
                || !service.hasPort(update.vipPort())) {
            counters.increment(Counters.SYNC_REJECTED);
            return false;
        }
        int ports = (update.clientPort() << 16) | update.vipPort();
        int ref = flows.find(update.client(), update.vip(), ports, update.protocol());
        int existing = ref >= 0 && (ref & 1) == 0 ? ref >>> 1 : -1;
        if (update.kind() == FlowUpdate.Kind.REMOVE) {
            if (existing >= 0) {
                flows.removeQuietly(existing);
            }
            counters.increment(Counters.SYNC_APPLIED);
            return true;
        }
        int state = stateCode(update.state());
        if (existing >= 0 && flows.backendIp(existing) == update.backend()
                && flows.backendPort(existing) == update.backendPort() && flows.nat(existing) == update.nat()) {
            if (!flows.syncState(existing, state, now)) {
                counters.increment(Counters.ESTABLISHED_OVER_LIMIT);
            }
            counters.increment(Counters.SYNC_APPLIED);
            return true;
        }
        ServiceState.Snapshot snapshot = service.snapshot();
        int i = -1;
        for (int k = 0; k < snapshot.backends.length; k++) {
            if (snapshot.addresses[k] == update.backend() && snapshot.natted[k] == update.nat()) {
                i = k;
                break;
            }
        }
        if (i < 0) {
            counters.increment(Counters.SYNC_REJECTED);
            return false;
        }
        if (existing >= 0) {
            flows.removeQuietly(existing); // the peer moved this client to another backend (port reuse)
        }
        Backend backend = snapshot.backends[i];
        // Established and UDP flows take a slot if the backend has one free, and are kept without one rather than
        // lost when it has not (the peer's choice stands); half-open and closing flows hold none, as on the peer.
        boolean slot = FlowTable.holdsSlotIn(state) && backend.tryAcquire();
        if (FlowTable.holdsSlotIn(state) && !slot) {
            counters.increment(Counters.ESTABLISHED_OVER_LIMIT);
        }
        long mac = neighbours.lookup(update.backend());
        for (int attempt = 0; attempt < 2; attempt++) {
            if (flows.insertSynced(service.id, update.protocol(), state, update.client(), update.clientPort(),
                    update.vip(), update.vipPort(), update.clientMac(), backend, slot, update.backend(),
                    update.backendPort(), mac, update.nat(), now) >= 0) {
                break;
            }
            evictOne(); // a full table makes room as for a new flow of its own; the retry cannot fail
        }
        counters.increment(Counters.SYNC_APPLIED);
        return true;
    }
}
