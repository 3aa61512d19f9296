package io.lb4j.engine.packet;

import io.lb4j.api.spi.Backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The connection table: one record per client flow (5-tuple), preallocated and bounded, with IPVS-like TCP
 * states and timeouts. Records are 64-byte cache lines in one off-heap segment, indexed by a flow id; a separate
 * open-addressing index (linear probing, backward-shift deletion, load at most 1/2) maps a 5-tuple to a flow id, so
 * deleting a flow never moves a record and a NAT flow can be found both from the client side and from its reply
 * side.
 *
 * <p>Index entries encode {@code (flowId << 1 | direction) + 1}: direction 0 is the client-to-VIP key, direction 1
 * (NAT flows only) is the backend-to-client key of the replies.
 *
 * <p>Connection slots: an established TCP flow and a UDP flow hold one connection slot of their {@link Backend}
 * (IPVS's ActiveConn); a TCP flow that has seen only its SYN and a closing one hold none. {@code RoutingTable.route}
 * takes a slot when it schedules a new flow; a UDP flow keeps it, a TCP flow gives it back at once and takes one
 * again ({@link Backend#tryReacquire}) when it becomes established, so SYNs from spoofed sources never fill a
 * backend's {@code maxConnections}. An established flow whose backend is full then is forwarded all the same (the
 * connection exists on the server already) without a slot. A held slot is released exactly once: when the flow
 * starts closing (FIN or RST: like IPVS, a closing connection is no longer active) or, if it never closed, when it
 * is removed (timeout, eviction, expire on Halt, uninstall).
 *
 * <p>A NAT flow is established only once the real server answered: its SYN+ACK (or any later segment with ACK)
 * passed the balancer on the way back, which a spoofed client cannot fake by sending an ACK after its SYN. A
 * direct-routing flow, whose replies bypass the balancer, is established by the client's first ACK.
 *
 * <p>IPv6 flows live in the same records and index: their addresses' 32-bit folds take the IPv4 address fields (for
 * the hash and the slot layout), a flag marks the record as IPv6, and the full 128-bit addresses sit in a parallel
 * off-heap array, 48 bytes per record, which a lookup compares only when the fold and the ports matched. An IPv4
 * lookup never matches an IPv6 record, nor the reverse. Flow-state sync carries IPv4 flows only: IPv6 flows are not
 * journaled.
 *
 * <p>Not thread-safe: owned by the packet thread.
 */
final class FlowTable {

    static final int STATE_FREE = 0;
    static final int STATE_SYN = 1;
    static final int STATE_ESTABLISHED = 2;
    static final int STATE_FIN = 3;
    static final int STATE_CLOSE = 4;
    static final int STATE_UDP = 5;
    static final int STATES = 6;

    // What onTcp and onTcpReply noticed besides the state change, for the caller's counters.
    /** Nothing worth counting. */
    static final int TCP_OK = 0;
    /** The flow became established but its backend was full: it is forwarded without a connection slot. */
    static final int TCP_OVER_LIMIT = 1;
    /** A NAT flow's client sent an ACK before the server's SYN+ACK was seen: the flow stays half-open. */
    static final int TCP_ACK_BEFORE_SERVER = 2;

    /** How many records {@link #evictOne} looks at to find the least recently active flow. */
    private static final int EVICTION_SAMPLE = 8;

    private final int capacity;
    private final int mask;
    private final MemorySegment index; // ints: 0 = empty, else (flowId << 1 | direction) + 1

    // One 64-byte record per flow, off-heap and cache-line aligned: a lookup in a table far larger than the cache
    // then costs two misses (index slot, record) instead of one per field array.
    private static final long RECORD = 64;
    private static final long CLIENT_IP = 0;
    private static final long VIP = 4;
    private static final long CLIENT_PORTS = 8;   // clientPort << 16 | vipPort
    private static final long BACKEND_IP = 12;
    private static final long BACKEND_PORT = 16;
    private static final long PROTOCOL = 20;
    private static final long STATE = 21;
    private static final long NAT = 22;
    private static final long HOLDS_SLOT = 23;
    private static final long SERVICE = 24;
    private static final long FLAGS = 28;         // SERVER_ANSWERED; bytes 29-31 unused
    private static final long EXPIRES_AT = 32;    // last activity + the state's timeout (see lastActive)
    private static final long CLIENT_MAC = 40;
    private static final long BACKEND_MAC = 48;
    private static final long SYNCED_AT = 56;     // when flow-state sync last sent this flow
    private static final int SERVER_ANSWERED = 1; // a NAT flow's reply with ACK was seen
    private static final int IPV6 = 2;            // the addresses are in addresses6
    // The IPv6 flows' full addresses, two big-endian longs each, one 48-byte record per flow id.
    private static final long RECORD6 = 48;
    private static final long CLIENT6 = 0;
    private static final long VIP6 = 16;
    private static final long BACKEND6 = 32;
    private static final ValueLayout.OfLong LONG_BE = Bytes.U64;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private final MemorySegment records;
    private final MemorySegment addresses6;
    private final Backend[] backend;
    // IP bytes each flow forwarded that are not yet added to its backend's counts: plain longs the packet thread owns,
    // added to the backend (one atomic add) per FLUSH_BYTES and when the flow ends. 16 bytes per flow of capacity.
    private final long[] unflushedToServer;
    private final long[] unflushedToClient;

    private final int[] free;
    private int freeTop;
    private int size;
    private int slotsHeld;
    private int sweepCursor;
    private int evictCursor;
    private final long[] timeouts = new long[STATES];
    private FlowJournal journal;   // null: flow-state sync off
    private boolean muted;         // imports and shutdown are not sent back to the peer

    FlowTable(int capacity, long synTimeoutNanos, long establishedTimeoutNanos, long finTimeoutNanos,
              long closeTimeoutNanos, long udpTimeoutNanos) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("flowCapacity: " + capacity + " (expected: 1-268435456)");
        }
        this.capacity = capacity;
        int slots = Integer.highestOneBit(Math.max(4 * capacity - 1, 1)) << 1; // >= 4 x capacity: two keys per NAT flow
        this.index = OffHeap.allocate(4L * slots, "flow index");
        this.mask = slots - 1;
        records = OffHeap.allocate(RECORD * capacity, "flow records");
        addresses6 = OffHeap.allocate(RECORD6 * capacity, "IPv6 flow addresses");
        backend = new Backend[capacity];
        unflushedToServer = new long[capacity];
        unflushedToClient = new long[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i; // pop order 0, 1, 2, ...
        }
        freeTop = capacity;
        timeouts[STATE_SYN] = synTimeoutNanos;
        timeouts[STATE_ESTABLISHED] = establishedTimeoutNanos;
        timeouts[STATE_FIN] = finTimeoutNanos;
        timeouts[STATE_CLOSE] = closeTimeoutNanos;
        timeouts[STATE_UDP] = udpTimeoutNanos;
    }

    int capacity() {
        return capacity;
    }

    /**
     * Turns flow-state sync on: from now on every new flow, TCP state change and removal goes to {@code journal},
     * and a live flow is sent again once half its state's timeout has passed since it was last sent, so the peer's
     * copy (which expires by the same timeouts) outlives no flow and loses none that still carries traffic.
     */
    void journal(FlowJournal journal) {
        this.journal = journal;
    }

    FlowJournal journal() {
        return journal;
    }

    private void publish(int kind, int id, long now) {
        if (muted || (u8(id, FLAGS) & IPV6) != 0) {
            return; // flow-state sync speaks IPv4 addresses only
        }
        i64(id, SYNCED_AT, now);
        int ports = i32(id, CLIENT_PORTS);
        journal.append(kind, u8(id, PROTOCOL), u8(id, STATE), u8(id, NAT) != 0, i32(id, SERVICE), i32(id, CLIENT_IP),
                ports >>> 16, i32(id, VIP), ports & 0xFFFF, i32(id, BACKEND_IP), i32(id, BACKEND_PORT),
                i64(id, CLIENT_MAC));
    }

    private int slot(int i) {
        return index.getAtIndex(INT, i);
    }

    private void slot(int i, int value) {
        index.setAtIndex(INT, i, value);
    }

    private int i32(int id, long field) {
        return records.get(INT, id * RECORD + field);
    }

    private void i32(int id, long field, int value) {
        records.set(INT, id * RECORD + field, value);
    }

    private long i64(int id, long field) {
        return records.get(LONG, id * RECORD + field);
    }

    private void i64(int id, long field, long value) {
        records.set(LONG, id * RECORD + field, value);
    }

    private int u8(int id, long field) {
        return records.get(BYTE, id * RECORD + field) & 0xFF;
    }

    private void u8(int id, long field, int value) {
        records.set(BYTE, id * RECORD + field, (byte) value);
    }

    /** The forward (client-to-VIP) key's hash of a live flow. */
    private int forwardHash(int id) {
        return hash(i32(id, CLIENT_IP), i32(id, VIP), i32(id, CLIENT_PORTS), u8(id, PROTOCOL));
    }

    /** The reply (backend-to-client) key's ports of a NAT flow: backendPort << 16 | clientPort. */
    private int replyPorts(int id) {
        return (i32(id, BACKEND_PORT) << 16) | (i32(id, CLIENT_PORTS) >>> 16);
    }

    private int replyHash(int id) {
        return hash(i32(id, BACKEND_IP), i32(id, CLIENT_IP), replyPorts(id), u8(id, PROTOCOL));
    }

    int size() {
        return size;
    }

    /** Live flows that still hold their backend's connection slot (not closing): IPVS's ActiveConn. */
    int slotsHeld() {
        return slotsHeld;
    }

    // ------------------------------------------------------------------ lookup

    private static int hash(int source, int destination, int ports, int proto) {
        long h = (source & 0xFFFF_FFFFL) * 0x9E37_79B9_7F4A_7C15L;
        h ^= ((destination & 0xFFFF_FFFFL) << 32 | (ports & 0xFFFF_FFFFL)) * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= proto;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * Finds the flow a packet belongs to.
     *
     * @param ports source port &lt;&lt; 16 | destination port
     * @return {@code flowId << 1 | direction}, or -1
     */
    int find(int source, int destination, int ports, int proto) {
        int i = hash(source, destination, ports, proto) & mask;
        while (true) {
            int entry = slot(i);
            if (entry == 0) {
                return -1;
            }
            int ref = entry - 1;
            if (matches(ref, source, destination, ports, proto)) {
                return ref;
            }
            i = (i + 1) & mask;
        }
    }

    private boolean matches(int ref, int source, int destination, int ports, int proto) {
        int id = ref >>> 1;
        if (u8(id, PROTOCOL) != proto || (u8(id, FLAGS) & IPV6) != 0) {
            return false;
        }
        if ((ref & 1) == 0) {
            return i32(id, CLIENT_IP) == source && i32(id, VIP) == destination && i32(id, CLIENT_PORTS) == ports;
        }
        return i32(id, BACKEND_IP) == source && i32(id, CLIENT_IP) == destination && replyPorts(id) == ports;
    }

    /** The 32 bits of an IPv6 address that stand for it in the IPv4 address fields and the hash. */
    static int fold(long high, long low) {
        long x = high ^ low;
        return (int) (x ^ (x >>> 32));
    }

    /**
     * {@link #find} for an IPv6 packet.
     *
     * @return {@code flowId << 1 | direction}, or -1
     */
    int find6(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow, int ports, int proto) {
        int source = fold(sourceHigh, sourceLow);
        int destination = fold(destinationHigh, destinationLow);
        int i = hash(source, destination, ports, proto) & mask;
        while (true) {
            int entry = slot(i);
            if (entry == 0) {
                return -1;
            }
            int ref = entry - 1;
            int id = ref >>> 1;
            if (u8(id, PROTOCOL) == proto && (u8(id, FLAGS) & IPV6) != 0) {
                boolean forward = (ref & 1) == 0;
                if (forward ? i32(id, CLIENT_PORTS) == ports
                        && address6(id, CLIENT6, sourceHigh, sourceLow) && address6(id, VIP6, destinationHigh,
                        destinationLow)
                        : replyPorts(id) == ports && address6(id, BACKEND6, sourceHigh, sourceLow)
                        && address6(id, CLIENT6, destinationHigh, destinationLow)) {
                    return ref;
                }
            }
            i = (i + 1) & mask;
        }
    }

    private boolean address6(int id, long field, long high, long low) {
        long at = id * RECORD6 + field;
        return addresses6.get(LONG_BE, at) == high && addresses6.get(LONG_BE, at + 8) == low;
    }

    private long half6(int id, long field, boolean high) {
        return addresses6.get(LONG_BE, id * RECORD6 + field + (high ? 0 : 8));
    }

    /**
     * The index entry at the home slot of a key, read only to start its cache miss early (see
     * {@link PacketPath#processBatch}); 0 when empty. Never fails, whatever the key.
     */
    int homeEntry(int source, int destination, int ports, int proto) {
        return slot(hash(source, destination, ports, proto) & mask);
    }

    /** Reads the first word of the record an index entry points at, only to start its cache miss early. */
    int touchRecord(int entry) {
        int id = (entry - 1) >>> 1;
        return id < capacity ? i32(id, CLIENT_IP) : 0;
    }

    // ------------------------------------------------------------------ insert / remove

    /**
     * Adds a flow in its initial state: UDP, or TCP half-open (SYN). The caller has claimed a slot on
     * {@code owner}; from here on the table owns it: a UDP flow keeps it, a half-open TCP flow gives it back at once
     * (see the class comment).
     *
     * @return the flow id, or -1 when the table is full (the caller still holds the slot: it evicts and retries, or
     *         releases the slot)
     */
    int insert(int serviceId, int proto, int client, int clientPort, int vipAddress, int vipPort, long clientMacAddress,
               Backend owner, int backendAddress, int backendTargetPort, long backendMacAddress, boolean natted,
               long now) {
        int initial = proto == Ipv4Flyweight.PROTOCOL_TCP ? STATE_SYN : STATE_UDP;
        boolean keepsSlot = holdsSlotIn(initial);
        int id = insertRecord(serviceId, proto, initial, client, clientPort, vipAddress, vipPort, clientMacAddress,
                owner, keepsSlot, backendAddress, backendTargetPort, backendMacAddress, natted, now);
        if (id < 0) {
            return id;
        }
        if (!keepsSlot) {
            owner.release();
        }
        if (journal != null) {
            publish(FlowJournal.KIND_UPSERT, id, now);
        }
        return id;
    }

    /**
     * {@link #insert} for an IPv6 flow; never journaled (see the class comment).
     *
     * @return the flow id, or -1 when the table is full
     */
    int insert6(int serviceId, int proto, long clientHigh, long clientLow, int clientPort, long vipHigh, long vipLow,
                int vipPort, long clientMacAddress, Backend owner, long backendHigh, long backendLow,
                int backendTargetPort, long backendMacAddress, boolean natted, long now) {
        int initial = proto == Ipv6Flyweight.PROTOCOL_TCP ? STATE_SYN : STATE_UDP;
        boolean keepsSlot = holdsSlotIn(initial);
        int id = insertRecord(serviceId, proto, initial, fold(clientHigh, clientLow), clientPort,
                fold(vipHigh, vipLow), vipPort, clientMacAddress, owner, keepsSlot, fold(backendHigh, backendLow),
                backendTargetPort, backendMacAddress, natted, now);
        if (id < 0) {
            return id;
        }
        u8(id, FLAGS, IPV6);
        long at = id * RECORD6;
        addresses6.set(LONG_BE, at + CLIENT6, clientHigh);
        addresses6.set(LONG_BE, at + CLIENT6 + 8, clientLow);
        addresses6.set(LONG_BE, at + VIP6, vipHigh);
        addresses6.set(LONG_BE, at + VIP6 + 8, vipLow);
        addresses6.set(LONG_BE, at + BACKEND6, backendHigh);
        addresses6.set(LONG_BE, at + BACKEND6 + 8, backendLow);
        if (!keepsSlot) {
            owner.release();
        }
        return id;
    }

    /**
     * Whether a flow in {@code state} counts as one of its backend's connections: established TCP and UDP flows do;
     * half-open and closing TCP flows do not.
     */
    static boolean holdsSlotIn(int state) {
        return state == STATE_ESTABLISHED || state == STATE_UDP;
    }

    /**
     * Adds a flow the peer's flow-state sync reported, in the state the peer saw, without sending it back. It holds
     * a slot of {@code owner} only when {@code holdsSlot} (the caller claimed one, which only a state for which
     * {@link #holdsSlotIn} is true may hold).
     *
     * @return the flow id, or -1 when the table is full
     */
    int insertSynced(int serviceId, int proto, int state, int client, int clientPort, int vipAddress, int vipPort,
                     long clientMacAddress, Backend owner, boolean holdsSlot, int backendAddress,
                     int backendTargetPort, long backendMacAddress, boolean natted, long now) {
        return insertRecord(serviceId, proto, state, client, clientPort, vipAddress, vipPort, clientMacAddress, owner,
                holdsSlot, backendAddress, backendTargetPort, backendMacAddress, natted, now);
    }

    private int insertRecord(int serviceId, int proto, int state, int client, int clientPort, int vipAddress,
                             int vipPort, long clientMacAddress, Backend owner, boolean holdsSlot, int backendAddress,
                             int backendTargetPort, long backendMacAddress, boolean natted, long now) {
        if (holdsSlot && !holdsSlotIn(state)) {
            throw new IllegalArgumentException("a flow in state " + state + " holds no connection slot");
        }
        if (freeTop == 0) {
            return -1;
        }
        int id = free[--freeTop];
        i32(id, CLIENT_IP, client);
        i32(id, VIP, vipAddress);
        i32(id, CLIENT_PORTS, (clientPort << 16) | vipPort);
        i32(id, BACKEND_IP, backendAddress);
        i32(id, BACKEND_PORT, backendTargetPort);
        u8(id, PROTOCOL, proto);
        u8(id, STATE, state);
        u8(id, NAT, natted ? 1 : 0);
        u8(id, HOLDS_SLOT, holdsSlot ? 1 : 0);
        if (holdsSlot) {
            slotsHeld++;
        }
        i32(id, SERVICE, serviceId);
        u8(id, FLAGS, 0);
        i64(id, EXPIRES_AT, now + timeouts[state]);
        i64(id, CLIENT_MAC, clientMacAddress);
        i64(id, BACKEND_MAC, backendMacAddress);
        i64(id, SYNCED_AT, now);
        backend[id] = owner;
        size++;
        put(id << 1, forwardHash(id));
        if (natted) {
            put((id << 1) | 1, replyHash(id));
        }
        return id;
    }

    /**
     * Applies a synced state to an existing flow, without sending it back: the state, and an expiry of now plus the
     * state's timeout; its slot follows the state as on the peer (see {@link #holdsSlotIn}).
     *
     * @return false when the state holds a slot but the backend had none free (the flow is kept without one)
     */
    boolean syncState(int id, int state, long now) {
        u8(id, STATE, state);
        i64(id, EXPIRES_AT, now + timeouts[state]);
        i64(id, SYNCED_AT, now);
        // An open state on a copy without a slot: established on the peer, or the peer reused the client's port and
        // its removal of the old flow never arrived (a full journal drops it); either way it counts again.
        return settleSlot(id, state);
    }

    /**
     * Makes a flow hold a slot exactly when its state counts as a connection: takes one if the backend has one
     * free, or releases the one it holds.
     *
     * @return false when the state holds a slot but the backend had none free
     */
    private boolean settleSlot(int id, int state) {
        boolean held = u8(id, HOLDS_SLOT) != 0;
        if (holdsSlotIn(state)) {
            if (!held) {
                if (!backend[id].tryReacquire()) {
                    return false;
                }
                u8(id, HOLDS_SLOT, 1);
                slotsHeld++;
            }
        } else if (held) {
            u8(id, HOLDS_SLOT, 0);
            slotsHeld--;
            backend[id].release();
        }
        return true;
    }

    /** Removes a flow without sending the removal to the peer (its own sync said so, or the engine stops). */
    void removeQuietly(int id) {
        boolean was = muted;
        muted = true;
        try {
            remove(id);
        } finally {
            muted = was;
        }
    }

    private void put(int ref, int hash) {
        int i = hash & mask;
        while (slot(i) != 0) {
            i = (i + 1) & mask;
        }
        slot(i, ref + 1);
    }

    /**
     * Bytes a forwarded packet's IP datagram had, counted toward its flow's backend ({@link Backend#bytesToServer()},
     * {@link Backend#bytesToClient()}): kept in the flow and added to the backend every {@link #FLUSH_BYTES} and when
     * the flow ends, so the shared counter sees one atomic add per 64 KiB instead of one per packet. A backend's
     * count thus lags by less than that per live flow and direction.
     */
    void countBytes(int id, boolean toServer, int bytes) {
        long[] unflushed = toServer ? unflushedToServer : unflushedToClient;
        long n = unflushed[id] + bytes;
        if (n >= FLUSH_BYTES) {
            backend[id].addBytes(toServer, n);
            n = 0;
        }
        unflushed[id] = n;
    }

    /** How many of a flow's bytes {@link #countBytes} keeps before adding them to its backend. */
    static final long FLUSH_BYTES = 64 * 1024;

    /** Removes a live flow and releases its backend slot (flow-state sync tells the peer). */
    void remove(int id) {
        if (journal != null) {
            publish(FlowJournal.KIND_REMOVE, id, 0);
        }
        unindex(id << 1, forwardHash(id));
        if (nat(id)) {
            unindex((id << 1) | 1, replyHash(id));
        }
        Backend owner = backend[id];
        boolean holdsSlot = u8(id, HOLDS_SLOT) != 0;
        owner.addBytes(true, unflushedToServer[id]);
        owner.addBytes(false, unflushedToClient[id]);
        unflushedToServer[id] = 0;
        unflushedToClient[id] = 0;
        backend[id] = null;
        u8(id, STATE, STATE_FREE);
        u8(id, HOLDS_SLOT, 0);
        free[freeTop++] = id;
        size--;
        if (holdsSlot) {
            slotsHeld--;
            owner.release();
        }
    }

    // Backward-shift deletion (Knuth 6.4 algorithm R): later entries of the probe run move up, so no tombstones.
    private void unindex(int ref, int hash) {
        int i = hash & mask;
        while (slot(i) != ref + 1) {
            if (slot(i) == 0) {
                throw new IllegalStateException("flow table index lost flow " + (ref >>> 1));
            }
            i = (i + 1) & mask;
        }
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            int entry = slot(j);
            if (entry == 0) {
                break;
            }
            int home = homeOf(entry - 1) & mask;
            // Move the entry into the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                slot(hole, entry);
                hole = j;
            }
        }
        slot(hole, 0);
    }

    private int homeOf(int ref) {
        int id = ref >>> 1;
        if ((ref & 1) == 0) {
            return forwardHash(id);
        }
        return replyHash(id);
    }

    // ------------------------------------------------------------------ state and time

    /**
     * Advances the TCP state for a client's segment with {@code flags} (IPVS's input-only table: the balancer may see
     * one direction only) and pushes the flow's expiry out by the new state's timeout. A half-open flow becomes
     * established on the client's ACK, for a NAT flow only once the server answered.
     *
     * @return {@link #TCP_OK}, {@link #TCP_OVER_LIMIT} or {@link #TCP_ACK_BEFORE_SERVER}
     */
    int onTcp(int id, int flags, long now) {
        int s = u8(id, STATE);
        int next = s; // a retransmitted SYN, or a segment without news, only pushes the expiry out
        int result = TCP_OK;
        if ((flags & TcpFlyweight.RST) != 0) {
            next = STATE_CLOSE;
        } else if ((flags & TcpFlyweight.FIN) != 0) {
            next = s == STATE_CLOSE ? STATE_CLOSE : STATE_FIN;
        } else if ((flags & (TcpFlyweight.SYN | TcpFlyweight.ACK)) == TcpFlyweight.ACK && s == STATE_SYN) {
            if (u8(id, NAT) == 0 || (u8(id, FLAGS) & SERVER_ANSWERED) != 0) {
                next = STATE_ESTABLISHED;
            } else {
                result = TCP_ACK_BEFORE_SERVER; // a spoofed client's blind ACK, or a lost SYN+ACK: stays half-open
            }
        }
        return advance(id, s, next, now) ? result : TCP_OVER_LIMIT;
    }

    /**
     * Advances the TCP state for a NAT flow's reply (backend to client) with {@code flags}: an RST or FIN closes as
     * from the client; an ACK records that the server answered, which {@link #onTcp} needs to establish the flow.
     *
     * @return {@link #TCP_OK} (the return value matches {@link #onTcp}'s)
     */
    int onTcpReply(int id, int flags, long now) {
        int s = u8(id, STATE);
        int next = s;
        if ((flags & TcpFlyweight.RST) != 0) {
            next = STATE_CLOSE;
        } else if ((flags & TcpFlyweight.FIN) != 0) {
            next = s == STATE_CLOSE ? STATE_CLOSE : STATE_FIN;
        } else if ((flags & TcpFlyweight.ACK) != 0) {
            // Its SYN+ACK, or, for a copy synced before the SYN+ACK passed, any later segment of the server's.
            u8(id, FLAGS, u8(id, FLAGS) | SERVER_ANSWERED);
        }
        advance(id, s, next, now);
        return TCP_OK;
    }

    // Sets the state and its expiry, journals a change (or a refresh once half the timeout passed since the last
    // send) and settles the slot on a change. False when the flow became established without a free slot.
    private boolean advance(int id, int s, int next, long now) {
        u8(id, STATE, next);
        i64(id, EXPIRES_AT, now + timeouts[next]);
        if (journal != null && (next != s || now - i64(id, SYNCED_AT) >= timeouts[next] >>> 1)) {
            publish(FlowJournal.KIND_UPSERT, id, now);
        }
        // Only on a change: an established flow kept without a slot does not retry on every segment. Closing gives
        // the slot back at once (IPVS moves it to InActConn); the record stays until its timeout, to forward the
        // connection's last segments.
        return next == s || settleSlot(id, next);
    }

    /** Pushes out a UDP flow's expiry. */
    void onUdp(int id, long now) {
        i64(id, EXPIRES_AT, now + timeouts[STATE_UDP]);
        if (journal != null && now - i64(id, SYNCED_AT) >= timeouts[STATE_UDP] >>> 1) {
            publish(FlowJournal.KIND_UPSERT, id, now);
        }
    }

    boolean expired(int id, long now) {
        return now - i64(id, EXPIRES_AT) >= 0;
    }

    /** Whether a new SYN on this flow starts a new connection (the old one was closing: port reuse). */
    boolean closing(int id) {
        int s = u8(id, STATE);
        return s == STATE_FIN || s == STATE_CLOSE;
    }

    /**
     * Removes up to {@code budget} records' worth of expired flows, continuing where the last sweep stopped, so
     * the work per call is bounded whatever the table size.
     *
     * @return how many flows expired
     */
    int sweep(long now, int budget) {
        int expired = 0;
        int n = Math.min(budget, capacity);
        int c = sweepCursor;
        for (int k = 0; k < n; k++) {
            if (u8(c, STATE) != STATE_FREE && now - i64(c, EXPIRES_AT) >= 0) {
                remove(c);
                expired++;
            }
            c = c + 1 == capacity ? 0 : c + 1;
        }
        sweepCursor = c;
        return expired;
    }

    /**
     * Makes room in a full table: removes the least recently active flow among a small sample, whatever its state,
     * a half-open one first when several were last active at the same instant. The sample walks through the table,
     * so the flows of a flood that it meets are about {@code capacity / 8} evictions old: a flow that saw a segment
     * since is never the victim, whether the flood's flows stay half-open or are established by blind ACKs (direct
     * routing cannot tell those from real ones). An idle flow may be.
     *
     * @return the victim's state before removal (for the caller's counters)
     */
    int evictOne() {
        int victim = -1;
        long victimActive = 0;
        int c = evictCursor;
        for (int k = 0; k < EVICTION_SAMPLE; k++) {
            int s = u8(c, STATE);
            if (s != STATE_FREE) {
                long active = lastActive(c);
                if (victim < 0 || active - victimActive < 0
                        || active == victimActive && s == STATE_SYN && u8(victim, STATE) != STATE_SYN) {
                    victim = c;
                    victimActive = active;
                }
            }
            c = c + 1 == capacity ? 0 : c + 1;
        }
        evictCursor = c;
        if (victim < 0) { // a full table has no free record, so the sample always finds one; defensive
            for (int i = 0; i < capacity; i++) {
                if (u8(i, STATE) != STATE_FREE) {
                    victim = i;
                    break;
                }
            }
        }
        int state = u8(victim, STATE);
        remove(victim);
        return state;
    }

    /** When a live flow last saw a segment (or a sync): its expiry is that instant plus its state's timeout. */
    long lastActive(int id) {
        return i64(id, EXPIRES_AT) - timeouts[u8(id, STATE)];
    }

    /** Removes every flow of a service that goes to the backend labelled {@code label} (Halt). */
    int removeAll(int serviceId, String label) {
        int removed = 0;
        for (int i = 0; i < capacity; i++) {
            if (u8(i, STATE) != STATE_FREE && i32(i, SERVICE) == serviceId && backend[i].label().equals(label)) {
                remove(i);
                removed++;
            }
        }
        return removed;
    }

    /** Removes every flow of a service (uninstall). */
    int removeService(int serviceId) {
        int removed = 0;
        for (int i = 0; i < capacity; i++) {
            if (u8(i, STATE) != STATE_FREE && i32(i, SERVICE) == serviceId) {
                remove(i);
                removed++;
            }
        }
        return removed;
    }

    /**
     * Removes every flow, releasing their slots, without telling the peer: a stopping engine's flows live on in the
     * peer that takes over.
     */
    void clear() {
        muted = true;
        try {
            for (int i = 0; i < capacity; i++) {
                if (u8(i, STATE) != STATE_FREE) {
                    remove(i);
                }
            }
        } finally {
            muted = false;
        }
        index.fill((byte) 0);
    }

    // ------------------------------------------------------------------ record accessors

    int state(int id) {
        return u8(id, STATE);
    }

    boolean nat(int id) {
        return u8(id, NAT) != 0;
    }

    int service(int id) {
        return i32(id, SERVICE);
    }

    int clientIp(int id) {
        return i32(id, CLIENT_IP);
    }

    int vip(int id) {
        return i32(id, VIP);
    }

    int vipPort(int id) {
        return i32(id, CLIENT_PORTS) & 0xFFFF;
    }

    int backendIp(int id) {
        return i32(id, BACKEND_IP);
    }

    int backendPort(int id) {
        return i32(id, BACKEND_PORT);
    }

    long clientMac(int id) {
        return i64(id, CLIENT_MAC);
    }

    long backendMac(int id) {
        return i64(id, BACKEND_MAC);
    }

    /** Sets the backend MAC of a synced flow created before this node had resolved it. */
    void backendMac(int id, long mac) {
        i64(id, BACKEND_MAC, mac);
    }

    int clientPort(int id) {
        return i32(id, CLIENT_PORTS) >>> 16;
    }

    int protocol(int id) {
        return u8(id, PROTOCOL);
    }

    /** Whether a live flow is an IPv6 flow (its addresses are read with the {@code *6} accessors). */
    boolean ipv6(int id) {
        return (u8(id, FLAGS) & IPV6) != 0;
    }

    /** The upper ({@code high}) or lower 64 bits of an IPv6 flow's client address. */
    long client6(int id, boolean high) {
        return half6(id, CLIENT6, high);
    }

    long vip6(int id, boolean high) {
        return half6(id, VIP6, high);
    }

    long backend6(int id, boolean high) {
        return half6(id, BACKEND6, high);
    }

    /** Sends a live flow to the journal as it is now (the full export to a peer that just connected). */
    void republish(int id, long now) {
        if (journal != null && u8(id, STATE) != STATE_FREE) {
            publish(FlowJournal.KIND_UPSERT, id, now);
        }
    }

    Backend backend(int id) {
        return backend[id];
    }

    /** Whether a live flow holds a connection slot of its backend. */
    boolean holdsSlot(int id) {
        return u8(id, HOLDS_SLOT) != 0;
    }

    /** Whether a NAT flow's server has answered (see {@link #onTcpReply}). */
    boolean serverAnswered(int id) {
        return (u8(id, FLAGS) & SERVER_ANSWERED) != 0;
    }

    long expiresAt(int id) {
        return i64(id, EXPIRES_AT);
    }

    /**
     * Checks the index against the records (for tests): every live flow is found under its key(s), and the index
     * holds nothing else.
     *
     * @return null when consistent, else what is wrong
     */
    String verify() {
        int live = 0;
        int holding = 0;
        int entries = 0;
        for (int id = 0; id < capacity; id++) {
            if (u8(id, STATE) == STATE_FREE) {
                continue;
            }
            live++;
            holding += u8(id, HOLDS_SLOT);
            if (u8(id, HOLDS_SLOT) != 0 && !holdsSlotIn(u8(id, STATE))) {
                return "flow " + id + " in state " + u8(id, STATE) + " holds a slot";
            }
            boolean v6 = ipv6(id);
            if ((v6 ? find6(client6(id, true), client6(id, false), vip6(id, true), vip6(id, false),
                    i32(id, CLIENT_PORTS), u8(id, PROTOCOL))
                    : find(i32(id, CLIENT_IP), i32(id, VIP), i32(id, CLIENT_PORTS), u8(id, PROTOCOL))) != id << 1) {
                return "flow " + id + " not found by its client key";
            }
            if (nat(id) && (v6 ? find6(backend6(id, true), backend6(id, false), client6(id, true), client6(id, false),
                    replyPorts(id), u8(id, PROTOCOL))
                    : find(i32(id, BACKEND_IP), i32(id, CLIENT_IP), replyPorts(id), u8(id, PROTOCOL)))
                    != ((id << 1) | 1)) {
                return "NAT flow " + id + " not found by its reply key";
            }
            entries += nat(id) ? 2 : 1;
        }
        int used = 0;
        for (int i = 0; i <= mask; i++) {
            int e = slot(i);
            if (e != 0) {
                used++;
                if (u8((e - 1) >>> 1, STATE) == STATE_FREE) {
                    return "index points at free record " + ((e - 1) >>> 1);
                }
            }
        }
        if (holding != slotsHeld) {
            return "slotsHeld " + slotsHeld + " but " + holding + " records hold a slot";
        }
        if (live != size) {
            return "size " + size + " but " + live + " live records";
        }
        if (used != entries) {
            return "index holds " + used + " entries, expected " + entries;
        }
        if (freeTop + size != capacity) {
            return "free list " + freeTop + " + size " + size + " != capacity " + capacity;
        }
        return null;
    }
}
