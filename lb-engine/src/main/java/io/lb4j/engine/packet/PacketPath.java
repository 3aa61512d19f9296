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
     * Starts or stops answering ARP for the VIPs (the master of a pair answers, the backup stays silent so clients
     * and routers keep sending to the master); forwarding is unchanged either way.
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
            int[] addresses = s.snapshot().addresses;
            for (int address : addresses) {
                resolve(address, now, tx);
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
            int l3 = ethernet.headerLength();
            counters.increment(ipv6.wrap(rx, offset + l3, length - l3) ? Counters.IPV6 : Counters.MALFORMED);
            return DROPPED;
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
            if (s.vip == address) {
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
        int sourcePort;
        int destinationPort;
        int flags = 0;
        if (proto == Ipv4Flyweight.PROTOCOL_TCP) {
            if (!tcp.wrap(rx, l4, l4Length)) {
                counters.increment(Counters.MALFORMED);
                return DROPPED;
            }
            sourcePort = tcp.sourcePort();
            destinationPort = tcp.destinationPort();
            flags = tcp.flags();
        } else {
            if (!udp.wrap(rx, l4, l4Length)) {
                counters.increment(Counters.MALFORMED);
                return DROPPED;
            }
            sourcePort = udp.sourcePort();
            destinationPort = udp.destinationPort();
        }
        int source = ipv4.source();
        int destination = ipv4.destination();
        int ports = (sourcePort << 16) | destinationPort;
        ServiceState service = findService(destination, destinationPort, proto);
        if (service == null) {
            int ref = flows.find(source, destination, ports, proto);
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
            return unNat(rx, offset, length, l3, checksumPartial, id, proto, tx);
        }

        int id = -1;
        int ref = flows.find(source, destination, ports, proto);
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
        if (id < 0) {
            if (proto == Ipv4Flyweight.PROTOCOL_TCP
                    && (flags & (TcpFlyweight.SYN | TcpFlyweight.ACK | TcpFlyweight.RST)) != TcpFlyweight.SYN) {
                counters.increment(Counters.NO_FLOW); // mid-connection segment of a flow we do not know: IPVS drops too
                return DROPPED;
            }
            id = newFlow(service, proto, source, sourcePort, destination, destinationPort, now, tx);
            if (id < 0) {
                return DROPPED;
            }
        }
        touch(id, proto, flags, false, now);
        return flows.nat(id)
                ? forwardNat(rx, offset, length, l3, checksumPartial, id, proto, tx)
                : forwardDirect(rx, offset, length, l3, checksumPartial, id, proto, tx);
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

    private int newFlow(ServiceState service, int proto, int client, int clientPort, int vip, int vipPort, long now,
                        FrameSink tx) {
        if (!acceptingNewFlows) {
            counters.increment(Counters.NO_BACKEND);
            return -1;
        }
        ServiceState.Snapshot snapshot = service.snapshot();
        Backend backend = snapshot.table.route(snapshot.table.clientKeyForIpv4(client));
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
        int address = snapshot.addresses[i];
        long mac = neighbours.lookup(address);
        if (ownsNeighbours) {
            resolve(address, now, tx);
        }
        if (mac == NeighbourTable.UNKNOWN) {
            backend.release(); // the client retransmits its SYN; by then the MAC is known
            counters.increment(Counters.NEIGHBOUR_MISS);
            return -1;
        }
        boolean natted = snapshot.natted[i];
        int targetPort = natted ? backend.targetPort(vipPort) : vipPort;
        long clientMac = ethernet.source();
        int id = flows.insert(service.id, proto, client, clientPort, vip, vipPort, clientMac, backend, address,
                targetPort, mac, natted, now);
        if (id < 0) {
            evictOne();
            id = flows.insert(service.id, proto, client, clientPort, vip, vipPort, clientMac, backend, address,
                    targetPort, mac, natted, now);
        }
        counters.increment(Counters.FLOWS_CREATED);
        return id;
    }

    /** Sends an ARP request for {@code address} if one is due (see {@link NeighbourTable#resolve}). */
    private void resolve(int address, long now, FrameSink tx) {
        int due = neighbours.resolve(address, now);
        if (due == NeighbourTable.SEND_REQUEST) {
            sendArpRequest(address, tx);
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

    private int forwardDirect(MemorySegment rx, long offset, int length, int l3, boolean checksumPartial, int id,
                              int proto, FrameSink tx) {
        long mac = backendMac(id);
        if (mac < 0) {
            return DROPPED;
        }
        if (!emit(rx, offset, length, l3, checksumPartial, proto, mac, REWRITE_NONE, 0, 0, tx)) {
            return DROPPED;
        }
        counters.increment(Counters.FORWARDED_DR);
        return FORWARDED;
    }

    private static final int REWRITE_NONE = 0;
    private static final int REWRITE_DESTINATION = 1;
    private static final int REWRITE_SOURCE = 2;

    /**
     * Sends a copy of a validated IPv4 TCP/UDP frame to {@code destinationMac} from the balancer's MAC, with its
     * source or destination address and port rewritten when {@code rewrite} says so. Keeps the frame's offloads when
     * the path has virtio-net headers; otherwise segments a TCP super-frame and completes a partial checksum.
     *
     * @return whether it was sent (false: counted as dropped)
     */
    private boolean emit(MemorySegment rx, long offset, int length, int l3, boolean checksumPartial, int proto,
                         long destinationMac, int rewrite, int address, int port, FrameSink tx) {
        int ipLength = Bytes.u16(rx, offset + l3 + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
        boolean superFrame = ipLength > mtu;
        if (superFrame && !(vnet && VirtioNetHeader.gsoType(rx, offset - VirtioNetHeader.LENGTH)
                != VirtioNetHeader.GSO_NONE)) {
            if (proto != Ipv4Flyweight.PROTOCOL_TCP) {
                counters.increment(Counters.OVERSIZE); // a UDP datagram larger than the MTU without GSO metadata
                return false;
            }
            return segmentInSoftware(rx, offset, l3, ipLength, destinationMac, rewrite, address, port, tx);
        }
        long o = tx.claim(length);
        if (o < 0) {
            counters.increment(Counters.TX_FULL);
            return false;
        }
        MemorySegment out = tx.segment();
        // A super-frame's payload stays where it is: only its headers are copied (and rewritten), the sink gathers.
        int copied = superFrame ? headersLength(rx, offset, l3, proto) : length;
        copyWithMacs(rx, offset, out, o, copied, destinationMac);
        boolean keepPartial = false;
        if (vnet) {
            VirtioNetHeader.copy(rx, offset - VirtioNetHeader.LENGTH, out, o - VirtioNetHeader.LENGTH);
            keepPartial = checksumPartial;
        }
        if (rewrite != REWRITE_NONE) {
            rewrite(out, o + l3, rewrite == REWRITE_SOURCE, address, port, checksumPartial, keepPartial);
        } else if (checksumPartial && !keepPartial) {
            completeTransportChecksum(out, o + l3);
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

    // Ethernet, IPv4 and TCP (or UDP) headers of a frame processIpv4 validated: what a rewrite may touch.
    private static int headersLength(MemorySegment rx, long offset, int l3, int proto) {
        long ip = offset + l3;
        int ipHeader = (Bytes.u8(rx, ip) & 0x0F) * 4;
        int l4Header = proto == Ipv4Flyweight.PROTOCOL_TCP
                ? (Bytes.u8(rx, ip + ipHeader + TcpFlyweight.DATA_OFFSET_OFFSET) >>> 4) * 4 : UdpFlyweight.HEADER_LENGTH;
        return l3 + ipHeader + l4Header;
    }

    /**
     * Cuts a TCP super-frame into segments that fit the MTU (or the sender's segment size, where the virtio-net header
     * gives it), as the kernel's GSO would: every segment gets the headers, its slice of the payload, its sequence
     * number, an IPv4 identification one higher than the last, FIN and PSH on the last segment only, CWR on the first
     * only, and complete checksums (computed in full, as its IPv4 and TCP lengths are new).
     */
    private boolean segmentInSoftware(MemorySegment rx, long offset, int l3, int ipLength, long destinationMac,
                                      int rewrite, int address, int port, FrameSink tx) {
        long ip = offset + l3;
        int ipHeader = (Bytes.u8(rx, ip) & 0x0F) * 4;
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
        int identification = Bytes.u16(rx, ip + Ipv4Flyweight.IDENTIFICATION_OFFSET);
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
            Bytes.u16(out, outIp + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, ipHeader + tcpHeader + n);
            Bytes.u16(out, outIp + Ipv4Flyweight.IDENTIFICATION_OFFSET, (identification + k) & 0xFFFF);
            if (rewrite == REWRITE_DESTINATION) {
                Bytes.i32(out, outIp + Ipv4Flyweight.DESTINATION_OFFSET, address);
                Bytes.u16(out, outL4 + TcpFlyweight.DESTINATION_PORT_OFFSET, port);
            } else if (rewrite == REWRITE_SOURCE) {
                Bytes.i32(out, outIp + Ipv4Flyweight.SOURCE_OFFSET, address);
                Bytes.u16(out, outL4 + TcpFlyweight.SOURCE_PORT_OFFSET, port);
            }
            Bytes.u16(out, outIp + Ipv4Flyweight.CHECKSUM_OFFSET, Checksums.ipv4Header(out, outIp, ipHeader));
            Bytes.i32(out, outL4 + TcpFlyweight.SEQUENCE_OFFSET, sequence + at);
            int f = flags;
            if (at + n < payload) {
                f &= ~(TcpFlyweight.FIN | TcpFlyweight.PSH);
            }
            if (k > 0) {
                f &= ~TcpFlyweight.CWR;
            }
            Bytes.u8(out, outL4 + TcpFlyweight.FLAGS_OFFSET, f);
            Bytes.u16(out, outL4 + TcpFlyweight.CHECKSUM_OFFSET, Checksums.transportIpv4(out, outL4, tcpHeader + n,
                    Bytes.i32(out, outIp + Ipv4Flyweight.SOURCE_OFFSET),
                    Bytes.i32(out, outIp + Ipv4Flyweight.DESTINATION_OFFSET), Ipv4Flyweight.PROTOCOL_TCP,
                    TcpFlyweight.CHECKSUM_OFFSET));
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
        mac = neighbours.lookup(flows.backendIp(id));
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

    private int forwardNat(MemorySegment rx, long offset, int length, int l3, boolean checksumPartial, int id,
                           int proto, FrameSink tx) {
        long mac = backendMac(id);
        if (mac < 0) {
            return DROPPED;
        }
        if (!emit(rx, offset, length, l3, checksumPartial, proto, mac, REWRITE_DESTINATION, flows.backendIp(id),
                flows.backendPort(id), tx)) {
            return DROPPED;
        }
        counters.increment(Counters.FORWARDED_NAT);
        return FORWARDED;
    }

    private int unNat(MemorySegment rx, long offset, int length, int l3, boolean checksumPartial, int id, int proto,
                      FrameSink tx) {
        if (!emit(rx, offset, length, l3, checksumPartial, proto, flows.clientMac(id), REWRITE_SOURCE, flows.vip(id),
                flows.vipPort(id), tx)) {
            return DROPPED;
        }
        counters.increment(Counters.REPLIES_UNNATTED);
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
            completeTransportChecksum(s, ip);
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
    private void completeTransportChecksum(MemorySegment s, long ip) {
        int headerLength = (Bytes.u8(s, ip) & 0x0F) * 4;
        int total = Bytes.u16(s, ip + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
        int proto = Bytes.u8(s, ip + Ipv4Flyweight.PROTOCOL_OFFSET);
        long l4 = ip + headerLength;
        int checksumOffset = proto == Ipv4Flyweight.PROTOCOL_TCP ? TcpFlyweight.CHECKSUM_OFFSET
                : UdpFlyweight.CHECKSUM_OFFSET;
        int sum = Checksums.transportIpv4(s, l4, total - headerLength,
                Bytes.i32(s, ip + Ipv4Flyweight.SOURCE_OFFSET), Bytes.i32(s, ip + Ipv4Flyweight.DESTINATION_OFFSET),
                proto, checksumOffset);
        Bytes.u16(s, l4 + checksumOffset, sum);
        counters.increment(Counters.CHECKSUMS_COMPLETED);
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
