package io.lb4j.engine.packet;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.EngineContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.engine.packet.ha.PairHooks;
import io.lb4j.linux.Libc;
import io.lb4j.linux.Link;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.NativeAccess;
import io.lb4j.linux.PacketSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The Layer-4 data plane in user space: direct routing (LVS "DR") and NAT (LVS "MASQ", used for a masquerading
 * fallback) on one Linux interface, through an AF_PACKET socket with TPACKET_V3 memory-mapped rings bound with the
 * Foreign Function &amp; Memory API (no JNI, no C).
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder()
 *     .engine(PacketEngine.on("eth0"))
 *     .service(VirtualService.directRouting().label("PACS").address("192.168.100.100").ports(104, 80)
 *         .real("PrimaryCluster", "192.168.100.110")
 *         .fallback("192.168.100.120", f -> f.masquerade(true))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>What it guarantees:
 * <ul>
 *   <li><b>Direct routing:</b> a client's frame to VIP:port leaves with the real server's MAC as destination and
 *       the balancer's MAC as source, IP and TCP untouched; the server (VIP on a non-ARPing loopback) replies
 *       straight to the client, so replies never pass the balancer. IPv4 and IPv6 alike: a service is of one
 *       family (its VIP and real servers).</li>
 *   <li><b>NAT:</b> destination address and port are rewritten with RFC 1624 incremental checksums; the backend's
 *       replies (it must route them back through the balancer) are rewritten back to VIP:port. A fallback port of 0
 *       keeps the client's port. Over IPv6 (NAT66) only the transport checksum changes, through the pseudo-header; a
 *       UDP datagram with checksum 0, invalid in IPv6, is dropped.</li>
 *   <li><b>IPv6:</b> hop-by-hop, routing (segments left 0) and destination-options headers are walked to the
 *       transport header, at most 8 of them; fragments, AH, ESP and other extension headers are counted and dropped.
 *       An ICMPv6 error (Packet Too Big, unreachable, time exceeded, parameter problem) sent to a VIP about a packet
 *       of a flow (the embedded packet's 5-tuple, read backwards, is the flow's) goes to that flow's real server, so
 *       path MTU discovery works for direct-routing replies; for a NAT flow it is translated back.</li>
 *   <li><b>Flows:</b> a 5-tuple table with IPVS-like TCP timeouts (SYN, established, FIN, close; UDP); an existing
 *       flow keeps its backend across new routing snapshots until it ends or times out; {@link #expire} (Halt) ends
 *       a backend's flows at once, and mid-connection segments without a flow are dropped, like IPVS. Established
 *       TCP flows and UDP flows hold one connection slot of their backend until they start closing (FIN or RST), so
 *       {@code status()} connections are the active flows (IPVS's ActiveConn); a flow that has seen only its SYN
 *       holds none and times out after {@link Builder#synTimeout} (10 s), so spoofed SYNs neither fill a backend's
 *       {@code maxConnections} nor stay long. A NAT flow is established only once the real server's SYN+ACK passed
 *       the balancer. A full table evicts the least recently active flow of a small sample, whatever its state: a
 *       flood of new flows (half-open, or established by blind ACKs) evicts idle flows, not those that carry
 *       traffic. Every drop, eviction and over-limit flow is counted ({@link #stats()}).</li>
 *   <li><b>Neighbours:</b> the engine answers ARP (IPv4) and Neighbour Solicitations (IPv6, with solicited and
 *       override set) for every installed VIP with its own MAC and resolves the real servers' MACs itself, by ARP or
 *       by a Neighbour Solicitation to the solicited-node group from the link-local address of its MAC's EUI-64
 *       (re-requested before they expire; the last MAC stays in use meanwhile). It learns a MAC only from the first
 *       ARP reply, or solicited Neighbour Advertisement, to its own outstanding request, and keeps entries only for addresses it asks
 *       for, so ARP requests, solicitations, unsolicited replies and advertisements and floods from any sender
 *       neither redirect flows nor push a backend out of its table (a spoofer on the link who answers the engine's request before the server still
 *       can: {@link Builder#neighbour} pins a MAC statically). The host must not own the VIP: leave it off the
 *       kernel of the balancer's host (and keep IP forwarding off there), so the kernel neither answers ARP for it
 *       nor forwards the frames the engine already forwarded.</li>
 *   <li><b>Allocation-free packet path:</b> flyweights over the rings, preallocated tables, counters instead of
 *       per-packet logs ({@link #stats()}).</li>
 * </ul>
 *
 * <p>Host set-up (what the namespace system test builds):
 * <pre>
 * # the balancer: the VIP stays off the kernel; IP forwarding off, so the kernel drops the VIP frames it also sees
 * # (offloads stay as they are: GRO/LRO super-frames are forwarded whole)
 * sysctl -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
 * # each direct-routing real server: the VIP on loopback, never announced or answered by ARP
 * ip addr add 192.168.100.100/32 dev lo
 * sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
 * # or an IPv6 VIP: a /128 on loopback, no duplicate address detection (Linux answers Neighbour Solicitations on
 * # eth0 only for eth0's own addresses, so no counterpart of arp_ignore is needed)
 * ip -6 addr add 2001:db8::100/128 dev lo nodad
 * # a MASQ fallback: its replies must pass the balancer to be un-NATed, also when it shares the clients' subnet
 * ip addr add 192.168.100.120/32 dev eth0
 * ip route add 192.168.100.2/32 dev eth0 &amp;&amp; ip route add default via 192.168.100.2
 * # (IPv6: ip -6 addr add 2001:db8::120/128 dev eth0 nodad; ip -6 route add 2001:db8::2/128 dev eth0;
 * #  ip -6 route add default via 2001:db8::2)
 * </pre>
 *
 * <p>Not done (and not claimed in {@link #methods()}): tunnelling, fragments (IPv4 and IPv6: counted and dropped;
 * TCP sets DF), VLAN tags stripped by the NIC (bind to the VLAN interface instead), IPv4 ICMP errors for flows
 * (fragmentation-needed is left to the host; ICMPv6 errors are forwarded), flow-state sync of IPv6 flows (a pair's
 * backup does not learn them), a backend's MAC change for existing flows (flows keep the MAC they were created with;
 * new flows use the re-resolved one).
 *
 * <p>Offloads: the engine asks the kernel for each frame's offload metadata ({@code PACKET_VNET_HDR}). Super-frames
 * (GRO/LRO on the interface, TSO/GSO of a sender on the same host or bridge) are forwarded whole with their
 * segmentation metadata, and the kernel or the next NIC cuts them to the MTU; partial transport checksums stay
 * partial (a NAT rewrite moves the pseudo-header sum). On a kernel without it the engine says so once at start and
 * segments TCP super-frames itself, completing checksums. No {@code ethtool} step is needed.
 *
 * <p>Requires Linux, CAP_NET_RAW and native access for module {@code io.lb4j.linux}, which makes the system calls:
 * {@code --enable-native-access=io.lb4j.linux} on the module path, {@code --enable-native-access=ALL-UNNAMED} on the
 * class path (or {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest). {@link #isAvailable()}
 * says whether, and {@link #unavailabilityCause()} why not, naming the flag for the way lb4j was loaded.
 *
 * <p>Cores: {@link Builder#packetThreads(int)} packet threads (default one per processor), each with its own socket,
 * rings and share of the flow table, in one {@code PACKET_FANOUT} group whose classic BPF program hashes the client's
 * address and port, so every frame of a flow, both directions of a NAT flow included, reaches the thread holding it;
 * frames that are not IPv4 TCP/UDP (ARP, and all IPv6: NDP must reach the neighbour table's owner, and one thread
 * keeps an IPv6 NAT flow's two directions together) go to the first thread, which owns the neighbour table. Counters,
 * {@link #stats()}, Halt and flow-state sync see one engine. Control-plane calls are thread-safe and return once
 * every packet thread applied them.
 *
 * <p>In a clustered pair (module {@code io.lb4j.ha}) build the engine with {@code HaPair.packetEngine(builder)}: it
 * starts silent and journals its flows, and the pair decides when it answers ARP for the VIPs.
 */
public final class PacketEngine implements ForwardingEngine {

    private static final Logger LOG = LoggerFactory.getLogger(PacketEngine.class);
    private static final Set<ForwardingMethod> METHODS =
            Collections.unmodifiableSet(EnumSet.of(ForwardingMethod.DIRECT_ROUTING, ForwardingMethod.NAT));
    private static final long COMMAND_TIMEOUT_SECONDS = 5;

    static {
        // The pair's hooks are reached through PairHooks.of(engine), not through a public method here.
        PairHooks.Binding.bind(engine -> engine.pair);
    }

    private final Builder config;
    private final EnginePairHooks pair = new EnginePairHooks(this);
    private final ServiceTable services = new ServiceTable();
    private volatile Shard[] shards;
    private int[] programVips = new int[0];
    private TaskClock clock;

    private PacketEngine(Builder config) {
        this.config = config;
    }

    /** An engine on {@code interfaceName} with the defaults of {@link #builder(String)}. */
    public static PacketEngine on(String interfaceName) {
        return builder(interfaceName).build();
    }

    /** A builder for an engine on {@code interfaceName} (e.g. {@code eth0}). */
    public static Builder builder(String interfaceName) {
        return new Builder(interfaceName);
    }

    // ------------------------------------------------------------------ availability

    private static final class Probe {
        static final String CAUSE = probe();

        private static String probe() {
            String os = System.getProperty("os.name", "");
            if (!os.toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
                return "AF_PACKET is Linux-only (os.name: " + os + ")";
            }
            if (!NativeAccess.enabled()) {
                return NativeAccess.howToEnable();   // the Linux calls are io.lb4j.linux's, not this module's
            }
            try {
                int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0, "socket(AF_PACKET)");
                Libc.close(fd, "close(AF_PACKET probe)");
                return null;
            } catch (LinuxException e) {
                if (e.errno() == LinuxException.EPERM || e.errno() == LinuxException.EACCES) {
                    return "AF_PACKET needs CAP_NET_RAW: run as root or grant it to the JVM "
                            + "(setcap cap_net_raw,cap_net_admin+ep $JAVA_HOME/bin/java)";
                }
                if (e.errno() == LinuxException.EAFNOSUPPORT) {
                    return "this kernel has no AF_PACKET support (" + e.getMessage() + ")";
                }
                return e.getMessage();
            } catch (RuntimeException | LinkageError e) {
                return "native calls unavailable: " + e;
            }
        }
    }

    /** Whether this JVM can run a packet engine (Linux, native access, CAP_NET_RAW); probed once. */
    public static boolean isAvailable() {
        return Probe.CAUSE == null;
    }

    /**
     * Why {@link #isAvailable()} is false, saying what to do; empty when available. Examples:
     * <ul>
     *   <li>{@code "native access not enabled: start the JVM with --enable-native-access=io.lb4j.linux (module
     *       io.lb4j.linux is on the module path)"}; on the class path the flag is
     *       {@code --enable-native-access=ALL-UNNAMED};</li>
     *   <li>{@code "AF_PACKET needs CAP_NET_RAW: run as root or grant it to the JVM (setcap ...)"};</li>
     *   <li>{@code "AF_PACKET is Linux-only (os.name: Mac OS X)"}.</li>
     * </ul>
     */
    public static Optional<String> unavailabilityCause() {
        return Optional.ofNullable(Probe.CAUSE);
    }

    /** @throws IllegalStateException with {@link #unavailabilityCause()} when not available */
    public static void ensureAvailability() {
        if (Probe.CAUSE != null) {
            throw new IllegalStateException("packet engine unavailable: " + Probe.CAUSE);
        }
    }

    // ------------------------------------------------------------------ ForwardingEngine

    @Override
    public String name() {
        return "packet";
    }

    /** {@code DIRECT_ROUTING} and {@code NAT}; not {@code TUNNEL}, not {@code PROXY}. */
    @Override
    public Set<ForwardingMethod> methods() {
        return METHODS;
    }

    /**
     * Opens the interface's AF_PACKET sockets (one per packet thread, joined in a fanout group when there are
     * several) and starts the packet threads.
     *
     * @throws IllegalStateException when the engine is unavailable, already started, or the interface is missing,
     *                               down or has no MAC
     * @throws UncheckedIOException  when a socket call fails (the message names it and errno)
     */
    @Override
    public synchronized void start(EngineContext context) {
        Objects.requireNonNull(context, "context");
        if (shards != null) {
            throw new IllegalStateException("packet engine on " + config.interfaceName + " already started");
        }
        ensureAvailability();
        String name = config.interfaceName;
        Link link;
        try {
            link = Link.of(name);
        } catch (LinuxException e) {
            if (e.errno() == LinuxException.ENODEV) {
                throw new IllegalStateException("interface \"" + name + "\" not found in this network namespace");
            }
            throw new UncheckedIOException(e);
        }
        if (!link.up()) {
            throw new IllegalStateException("interface \"" + name + "\" is down (ip link set " + name + " up)");
        }
        if (link.mac() == 0) {
            throw new IllegalStateException("interface \"" + name + "\" has no Ethernet MAC address");
        }
        long mac = link.mac();
        int mtu = link.mtu();
        int ownIp = config.sourceAddress != null ? ServiceState.ipv4("sourceAddress", config.sourceAddress)
                : link.ipv4(); // 0 when it has none: ARP probes from 0.0.0.0 (RFC 5227) still get answers
        int threads = config.packetThreads > 0 ? config.packetThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors());
        PacketSocket[] sockets = openSockets(name, link.index(), threads);
        boolean vnet = sockets[0].vnetHeaders();
        if (!vnet) {
            LOG.warn("{}: no offload metadata from the kernel ({}): TCP super-frames (GRO/LRO, local TSO/GSO) are "
                    + "segmented in software, which costs CPU; partial checksums are completed", name,
                    sockets[0].vnetHeadersUnavailable());
        }
        this.clock = context.clock();
        // At least 8 slots per static entry: their probe runs stay short and leave room for the learned ones.
        int neighbourSlots = Math.max(1024, Integer.highestOneBit(Math.max(8 * config.neighbours.size() - 1, 1)) << 1);
        NeighbourTable neighbours = new NeighbourTable(neighbourSlots, config.neighbourTimeout.toNanos(),
                TimeUnit.SECONDS.toNanos(1));
        config.neighbours.forEach((address, neighbourMac) -> neighbours.putStatic(ServiceState.high(address),
                ServiceState.low(address), neighbourMac));
        int perThread = (config.flowCapacity + threads - 1) / threads;
        Shard[] started = new Shard[threads];
        for (int i = 0; i < threads; i++) {
            FlowTable flows = new FlowTable(perThread, config.synTimeout.toNanos(), config.tcpTimeout.toNanos(),
                    config.tcpFinTimeout.toNanos(), config.closeTimeout.toNanos(), config.udpTimeout.toNanos());
            FlowJournal journal = pair.newJournal();
            if (journal != null) {
                flows.journal(journal);
            }
            // Thread 0 receives every frame that is not IPv4 TCP/UDP (FanoutProgram), ARP among them: it owns the
            // neighbour table; the others only read it.
            PacketPath path = new PacketPath(mac, ownIp, mtu, flows, neighbours, vnet, services, i == 0);
            path.answerArp(!pair.startsInStandby());
            EngineLoop loop = new EngineLoop(sockets[i], path, clock);
            Thread thread = new Thread(loop, threads == 1 ? "lb4j-packet-" + name : "lb4j-packet-" + name + "-" + i);
            thread.setDaemon(true);
            started[i] = new Shard(path, loop, thread);
        }
        shards = started;
        for (Shard shard : started) {
            shard.thread.start();
        }
        LOG.info("packet engine on {} (index {}, MAC {}, MTU {}, ARP source {}): {} flows, {} packet thread{}, "
                        + "TPACKET_V3 rings{}", name, link.index(), Bytes.macToString(mac), mtu,
                Bytes.ipv4ToString(ownIp), config.flowCapacity, threads, threads == 1 ? "" : "s",
                vnet ? " with offload metadata" : "");
    }

    // One socket per thread; several join one fanout group whose program keeps each flow on one thread. A group id
    // is per network namespace: another engine on another interface may hold one, so ids are tried until one is free.
    private PacketSocket[] openSockets(String name, int index, int threads) {
        PacketSocket[] sockets = new PacketSocket[threads];
        PacketSocket.Options options = PacketSocket.Options.defaults().withVnetHeaders(config.vnetHeaders);
        try {
            int group = -1;
            for (int i = 0; i < threads; i++) {
                sockets[i] = PacketSocket.open(name, index, options);
                if (threads == 1) {
                    break;
                }
                if (group < 0) {
                    group = joinFreeGroup(sockets[0]);
                    programVips = services.vips();
                    setFanoutProgram(sockets[0], programVips);
                } else {
                    sockets[i].joinFanout(group, PacketSocket.PACKET_FANOUT_CBPF);
                }
            }
            return sockets;
        } catch (LinuxException | RuntimeException e) {
            for (PacketSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (LinuxException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e instanceof LinuxException l ? new UncheckedIOException(l) : (RuntimeException) e;
        }
    }

    private static int joinFreeGroup(PacketSocket first) throws LinuxException {
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000);
        LinuxException last = null;
        for (int k = 0; k < 16; k++) {
            int group = (start + k * 4099) & 0xFFFF;
            try {
                first.joinFanout(group, PacketSocket.PACKET_FANOUT_CBPF);
                return group;
            } catch (LinuxException e) {
                last = e; // taken by another socket of this namespace with another mode or interface
            }
        }
        throw last;
    }

    // Installs the fanout program for these VIPs; call holding this engine's lock.
    private void updateFanout(int[] vips) {
        Shard[] s = shards;
        if (s == null || s.length == 1 || java.util.Arrays.equals(vips, programVips)) {
            return;
        }
        try {
            setFanoutProgram(s[0].loop.socket(), vips);
        } catch (LinuxException e) {
            throw new UncheckedIOException(e);
        }
        programVips = vips;
    }

    // The kernel copies the program when it is set, so its memory lives only for the call.
    private static void setFanoutProgram(PacketSocket member, int[] vips) throws LinuxException {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            FanoutProgram program = FanoutProgram.forVips(vips, arena);
            member.fanoutProgram(program.instructions(), program.count());
        }
    }

    /** One packet thread: its path (own flow table and counters) and its loop (own socket and rings). */
    record Shard(PacketPath path, EngineLoop loop, Thread thread) {
    }

    // ------------------------------------------------------------------ for the pair's hooks (EnginePairHooks)

    /** The packet threads; throws before start. */
    Shard[] started() {
        Shard[] s = shards;
        if (s == null) {
            throw new IllegalStateException("packet engine on " + config.interfaceName + " not started");
        }
        return s;
    }

    /** The packet threads; null before start. */
    Shard[] shards() {
        return shards;
    }

    /** Whether {@link #start} ran; call holding this engine's lock. */
    boolean hasStarted() {
        return shards != null;
    }

    TaskClock clock() {
        return clock;
    }

    /** Queues {@code command} on a packet thread without waiting; false when that thread is not running. */
    boolean submitToLoop(int shard, Runnable command) {
        Shard[] s = shards;
        if (s == null || !s[shard].thread.isAlive()) {
            return false;
        }
        s[shard].loop.submit(command);
        return true;
    }

    /**
     * Installs a service or swaps in its newer snapshot (lock-free for the packet threads; established flows keep
     * their backends).
     *
     * @throws IllegalArgumentException when a backend's address family differs from the VIP's, or VIP:port is already
     *                                  installed
     */
    @Override
    public synchronized void install(RoutingTable table) {
        Objects.requireNonNull(table, "table");
        started();
        // The program learns a new VIP before any frame can match it, so a flow's first frame is already steered.
        // IPv6 frames all go to thread 0 (see FanoutProgram): only IPv4 VIPs are in the program.
        if (!(table.service().address() instanceof java.net.Inet6Address)) {
            int vip = ServiceState.ipv4("address of service \"" + table.service().label() + "\"",
                    table.service().address());
            updateFanout(java.util.stream.IntStream.concat(java.util.Arrays.stream(services.vips()),
                    java.util.stream.IntStream.of(vip)).distinct().sorted().toArray());
        }
        int purge = services.install(table);
        updateFanout(services.vips());
        if (purge >= 0) {
            onEveryLoop(p -> p.purge(purge));
        }
    }

    @Override
    public synchronized void uninstall(String service) {
        Objects.requireNonNull(service, "service");
        started();
        int id = services.uninstall(service);
        if (id >= 0) {
            onEveryLoop(p -> p.purge(id));
            updateFanout(services.vips());
        }
    }

    /** Ends the service's flows to {@code backend} (Halt): their next segment is dropped and clients reconnect. */
    @Override
    public synchronized void expire(String service, Backend backend) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(backend, "backend");
        started();
        int id = services.serviceId(service);
        if (id >= 0) {
            String label = backend.label();
            onEveryLoop(p -> p.expire(id, label));
        }
    }

    /**
     * Takes no new flows, keeps forwarding established ones for up to {@code grace} or until none is left, then
     * stops the packet threads, releases every flow's slot and closes the sockets.
     */
    @Override
    public void stop(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        Shard[] s;
        synchronized (this) {
            s = shards;
            if (s == null) {
                return;
            }
            for (Shard shard : s) {
                shard.path.acceptNewFlows(false);
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (liveFlows(s) > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (Shard shard : s) {
            shard.loop.shutdown();
        }
        try {
            for (Shard shard : s) {
                shard.thread.join(TimeUnit.SECONDS.toMillis(COMMAND_TIMEOUT_SECONDS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long liveFlows(Shard[] s) {
        long live = 0;
        for (Shard shard : s) {
            if (shard.thread.isAlive()) {
                live += shard.loop.liveFlows();
            }
        }
        return live;
    }

    /** Runs {@code command} on every packet thread with its path and waits for all (Halt, purges). */
    void onEveryLoop(java.util.function.Consumer<PacketPath> command) {
        Shard[] s = shards;
        if (s == null) {
            return;
        }
        for (int i = 0; i < s.length; i++) {
            PacketPath p = s[i].path;
            onLoop(i, () -> command.accept(p));
        }
    }

    // Runs a command on a packet thread and waits for it, so e.g. Halt has taken effect when expire() returns.
    void onLoop(int shard, Runnable command) {
        Shard[] s = shards;
        if (s == null || !s[shard].thread.isAlive()) {
            return; // stopped: the loop cleared every flow on its way out
        }
        EngineLoop loop = s[shard].loop;
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.submit(() -> {
            try {
                command.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("packet engine command failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("packet thread " + shard + " of " + config.interfaceName
                    + " did not answer within " + COMMAND_TIMEOUT_SECONDS + " s"
                    + (loop.failure() == null ? "" : ": " + loop.failure()));
        }
    }

    /** The engine's counters now, summed over its packet threads (all zero before {@link #start}). */
    public Stats stats() {
        Shard[] s = shards;
        long[] v = new long[Counters.COUNT];
        if (s == null) {
            return new Stats(v, 0, 0);
        }
        long live = 0;
        long overflows = 0;
        for (Shard shard : s) {
            for (int i = 0; i < v.length; i++) {
                v[i] += shard.path.counters().get(i);
            }
            live += shard.loop.liveFlows();
            FlowJournal journal = shard.path.flows().journal();
            overflows += journal == null ? 0 : journal.dropped();
        }
        return new Stats(v, live, overflows);
    }

    @Override
    public String toString() {
        return "PacketEngine[" + config.interfaceName + "]";
    }

    // ------------------------------------------------------------------ builder

    /**
     * Configures a {@link PacketEngine}. Defaults follow {@code ipvsadm --set 900 120 300} and LVS's input-only
     * TCP state table, except a shorter SYN timeout: SYN 10 s, established 900 s, FIN 120 s, after RST 10 s,
     * UDP 300 s; 262,144 flows (about 25 MB); neighbours re-resolved after 30 s, none static. Not thread-safe.
     */
    public static final class Builder {
        private final String interfaceName;
        private int flowCapacity = 1 << 18;
        private Duration synTimeout = Duration.ofSeconds(10);
        private Duration tcpTimeout = Duration.ofSeconds(900);
        private Duration tcpFinTimeout = Duration.ofSeconds(120);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private Duration udpTimeout = Duration.ofSeconds(300);
        private Duration neighbourTimeout = Duration.ofSeconds(30);
        private InetAddress sourceAddress;
        private boolean vnetHeaders = true;
        private int packetThreads;
        private final Map<InetAddress, Long> neighbours = new LinkedHashMap<>();

        private Builder(String interfaceName) {
            Objects.requireNonNull(interfaceName, "interfaceName");
            if (interfaceName.isEmpty() || interfaceName.length() > 15) {
                throw new IllegalArgumentException("interfaceName: \"" + interfaceName
                        + "\" (expected: 1-15 characters, e.g. eth0)");
            }
            this.interfaceName = interfaceName;
        }

        /** The most flows tracked at once, 1-268435456; a full table evicts. Default 262144. */
        public Builder flowCapacity(int flowCapacity) {
            if (flowCapacity < 1 || flowCapacity > (1 << 28)) {
                throw new IllegalArgumentException("flowCapacity: " + flowCapacity + " (expected: 1-268435456)");
            }
            this.flowCapacity = flowCapacity;
            return this;
        }

        /** Idle timeout of an established TCP flow (ipvsadm's "tcp"). Default 900 s. */
        public Builder tcpTimeout(Duration timeout) {
            this.tcpTimeout = positive("tcpTimeout", timeout);
            return this;
        }

        /** Timeout of a TCP flow after a FIN (ipvsadm's "tcpfin"). Default 120 s. */
        public Builder tcpFinTimeout(Duration timeout) {
            this.tcpFinTimeout = positive("tcpFinTimeout", timeout);
            return this;
        }

        /**
         * Timeout of a TCP flow that has seen only its SYN (no ACK from the client yet; for NAT, no answer from the
         * server yet). Each retransmitted SYN starts it again. Default 10 s: Linux clients retransmit a SYN after 1,
         * 3, 7 and 15 s, so the longest gap before the fourth retransmission, 8 s, fits, while a SYN from a spoofed
         * source occupies the table for 10 s instead of IPVS's 60 s. Such a flow holds no connection slot of its
         * backend.
         */
        public Builder synTimeout(Duration timeout) {
            this.synTimeout = positive("synTimeout", timeout);
            return this;
        }

        /** Timeout of a TCP flow after a RST. Default 10 s. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive("closeTimeout", timeout);
            return this;
        }

        /** Idle timeout of a UDP flow (ipvsadm's "udp"). Default 300 s. */
        public Builder udpTimeout(Duration timeout) {
            this.udpTimeout = positive("udpTimeout", timeout);
            return this;
        }

        /** How long a resolved MAC counts as fresh before the engine asks again. Default 30 s. */
        public Builder neighbourTimeout(Duration timeout) {
            this.neighbourTimeout = positive("neighbourTimeout", timeout);
            return this;
        }

        /**
         * The sender address of the engine's ARP requests. Default: the interface's first IPv4 address. (Its IPv6
         * Neighbour Solicitations come from the link-local address of the interface MAC's modified EUI-64.)
         */
        public Builder sourceAddress(InetAddress address) {
            Objects.requireNonNull(address, "sourceAddress");
            ServiceState.ipv4("sourceAddress", address);
            this.sourceAddress = address;
            return this;
        }

        /**
         * How many packet threads forward frames, 1-64; default 0: one per processor the JVM may use
         * ({@code Runtime.availableProcessors()}, which honours CPU affinity and container limits). Each thread has
         * its own socket and rings in one {@code PACKET_FANOUT} group and its own share of the flow table
         * ({@link #flowCapacity} divided among them); a flow's frames, both directions of a NAT flow included, always
         * reach the same thread.
         */
        public Builder packetThreads(int threads) {
            if (threads < 0 || threads > 64) {
                throw new IllegalArgumentException("packetThreads: " + threads + " (expected: 1-64, or 0 for one per "
                        + "processor)");
            }
            this.packetThreads = threads;
            return this;
        }

        /**
         * Whether to ask the kernel for offload metadata (virtio-net headers) so super-frames are forwarded whole;
         * default true. False makes the engine segment them in software, as it does on a kernel without it: for tests
         * of that path, and to compare the two.
         */
        Builder vnetHeaders(boolean enabled) {
            this.vnetHeaders = enabled;
            return this;
        }

        /**
         * A static neighbour: frames for {@code address} go to {@code mac} without ARP or NDP. The engine never
         * requests it and no ARP or NDP frame ever changes it, which pins a backend's MAC against ARP spoofing (or reaches a backend
         * that does not answer ARP). A second call for the same address replaces the first.
         *
         * @param address an IPv4 or IPv6 address (a real server or fallback on the interface's link)
         * @param mac     six hexadecimal octets separated by colons, e.g. {@code "02:00:00:00:00:6e"}; unicast and
         *                not all zeros
         * @throws IllegalArgumentException naming the address and the MAC when either is not acceptable
         */
        public Builder neighbour(InetAddress address, String mac) {
            Objects.requireNonNull(address, "neighbour address");
            Objects.requireNonNull(mac, "neighbour mac");
            neighbours.put(address, parseMac(address, mac));
            return this;
        }

        // "aa:bb:cc:dd:ee:ff", either case; the MAC in the low 48 bits, first octet most significant.
        private static long parseMac(InetAddress address, String mac) {
            String what = "neighbour " + address.getHostAddress() + ": MAC \"" + mac + "\"";
            boolean wellFormed = mac.length() == 17;
            long value = 0;
            for (int i = 0; wellFormed && i < 17; i++) {
                char c = mac.charAt(i);
                if (i % 3 == 2) {
                    wellFormed = c == ':';
                } else {
                    int digit = c < 0x80 ? Character.digit(c, 16) : -1; // digit() also takes e.g. fullwidth digits
                    wellFormed = digit >= 0;
                    value = value << 4 | digit;
                }
            }
            if (!wellFormed) {
                throw new IllegalArgumentException(what
                        + " (expected: six hexadecimal octets separated by colons, e.g. 02:00:00:00:00:6e)");
            }
            if (value == 0 || EthernetFlyweight.isGroup(value)) {
                throw new IllegalArgumentException(what + " (expected: a unicast MAC that is not all zeros)");
            }
            return value;
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        /** An engine with these settings; nothing is opened before {@link PacketEngine#start}. */
        public PacketEngine build() {
            return new PacketEngine(this);
        }
    }

    // ------------------------------------------------------------------ stats

    /**
     * What the packet path did with frames since start: a snapshot of monotonic counters (each exact, read at
     * slightly different instants) plus the live flow count.
     *
     * @param rxFrames          frames received
     * @param txFrames          frames sent (forwarded, un-NATed, ARP)
     * @param forwardedDirect   client frames forwarded by direct routing
     * @param forwardedNat      client frames forwarded by NAT
     * @param repliesUnNatted   backend replies rewritten back to the VIP
     * @param arpRepliesSent    ARP replies for a VIP (IPv6: see {@code neighbourAdvertsSent})
     * @param arpRequestsSent   ARP requests for backends (IPv6: see {@code neighbourSolicitsSent})
     * @param notForUs          frames left to the host (other addresses, ports, protocols)
     * @param malformed         truncated or inconsistent headers
     * @param badIpChecksum     IPv4 headers whose checksum failed
     * @param fragments         IPv4 and IPv6 fragments (dropped)
     * @param ipv6              IPv6 frames received (all kinds; the others are IPv4, ARP or unknown)
     * @param unknownEtherType  neither IPv4, IPv6 nor ARP
     * @param noFlow            mid-connection TCP segments without a flow (dropped)
     * @param noBackend         new flows no backend could take
     * @param neighbourMiss     new flows dropped while the backend's MAC was being resolved
     * @param txRingFull        frames dropped for want of TX ring room
     * @param flowsCreated      flows created
     * @param flowsExpired      flows ended by timeout
     * @param flowsEvicted      flows evicted from a full table
     * @param flowsHalted       flows ended by Halt or uninstall
     * @param checksumsCompleted offloaded transport checksums completed before forwarding (only without offload
     *                          metadata: with it, partial checksums are forwarded partial)
     * @param truncatedCapture  frames larger than the RX ring's block (dropped)
     * @param oversize          UDP datagrams larger than the MTU without segmentation metadata (dropped)
     * @param vlanOffloaded     frames whose VLAN tag the NIC stripped (dropped)
     * @param gratuitousArpsSent gratuitous ARPs sent for a VIP ({@code PairHooks.announce})
     * @param flowSyncApplied   flow changes from the peer applied
     * @param flowSyncRejected  flow changes from the peer for a service or backend this node does not have
     * @param liveFlows         flows in the table now
     * @param flowSyncOverflows flow changes the sync journal had no room for (sent later by the periodic refresh)
     * @param superFrames       frames larger than the MTU (GRO/LRO, a local sender's TSO/GSO) forwarded whole with
     *                          their offload metadata, for the kernel or the next NIC to segment
     * @param softwareSegmented TCP super-frames the engine segmented itself (no offload metadata)
     * @param txRefused         super-frames the kernel refused to send (an offload it does not support; dropped)
     * @param flowsEvictedHalfOpen of {@code flowsEvicted}, flows that had seen only their SYN
     * @param flowsEvictedActive of {@code flowsEvicted}, established TCP and UDP flows (live connections cut; the
     *                          rest were closing)
     * @param establishedOverLimit times a flow became established (or a synced one arrived) while its backend had
     *                          no connection slot free: forwarded all the same, without a slot
     * @param ackBeforeServer   client ACKs on NAT flows whose server had not answered yet (forwarded; the flow
     *                          stays half-open: spoofed handshakes, or a lost SYN+ACK)
     * @param arpUnsolicited    ARP replies from a neighbour's address that answer no outstanding request of the
     *                          engine's, ignored (also counts replies to the host's own requests)
     * @param neighbourTableFull backend addresses that found the neighbour table full of entries in use (their new
     *                          flows are neighbour misses)
     * @param neighbourAdvertsSent IPv6 Neighbour Advertisements for a VIP: answers to solicitations and unsolicited
     *                          ones (a pair's announcements on takeover)
     * @param neighbourSolicitsSent IPv6 Neighbour Solicitations for backends
     * @param ipv6ExtensionDropped IPv6 packets with AH, ESP, another extension header the engine does not walk, a
     *                          routing header with segments left, or more than 8 extension headers (dropped)
     * @param icmpErrorsForwarded ICMPv6 errors about a flow (Packet Too Big among them) forwarded to its backend
     * @param badChecksum       NDP messages whose checksum failed and IPv6 UDP datagrams without one (dropped)
     */
    public record Stats(long rxFrames, long txFrames, long forwardedDirect, long forwardedNat, long repliesUnNatted,
                        long arpRepliesSent, long arpRequestsSent, long notForUs, long malformed, long badIpChecksum,
                        long fragments, long ipv6, long unknownEtherType, long noFlow, long noBackend,
                        long neighbourMiss, long txRingFull, long flowsCreated, long flowsExpired, long flowsEvicted,
                        long flowsHalted, long checksumsCompleted, long truncatedCapture, long oversize,
                        long vlanOffloaded, long gratuitousArpsSent, long flowSyncApplied, long flowSyncRejected,
                        long liveFlows, long flowSyncOverflows, long superFrames, long softwareSegmented,
                        long txRefused, long flowsEvictedHalfOpen, long flowsEvictedActive,
                        long establishedOverLimit, long ackBeforeServer, long arpUnsolicited,
                        long neighbourTableFull, long neighbourAdvertsSent, long neighbourSolicitsSent,
                        long ipv6ExtensionDropped, long icmpErrorsForwarded, long badChecksum) {

        Stats(long[] v, long live, long overflows) {
            this(v[Counters.RX_FRAMES], v[Counters.TX_FRAMES], v[Counters.FORWARDED_DR], v[Counters.FORWARDED_NAT],
                    v[Counters.REPLIES_UNNATTED], v[Counters.ARP_REPLIES_SENT], v[Counters.ARP_REQUESTS_SENT],
                    v[Counters.NOT_FOR_US], v[Counters.MALFORMED], v[Counters.BAD_IP_CHECKSUM], v[Counters.FRAGMENTS],
                    v[Counters.IPV6], v[Counters.UNKNOWN_ETHERTYPE], v[Counters.NO_FLOW], v[Counters.NO_BACKEND],
                    v[Counters.NEIGHBOUR_MISS], v[Counters.TX_FULL], v[Counters.FLOWS_CREATED],
                    v[Counters.FLOWS_EXPIRED], v[Counters.FLOWS_EVICTED], v[Counters.FLOWS_HALTED],
                    v[Counters.CHECKSUMS_COMPLETED], v[Counters.TRUNCATED_CAPTURE], v[Counters.OVERSIZE],
                    v[Counters.VLAN_OFFLOADED], v[Counters.GRATUITOUS_ARPS_SENT], v[Counters.SYNC_APPLIED],
                    v[Counters.SYNC_REJECTED], live, overflows, v[Counters.SUPER_FRAMES],
                    v[Counters.SOFTWARE_SEGMENTED], v[Counters.TX_REFUSED], v[Counters.FLOWS_EVICTED_HALF_OPEN],
                    v[Counters.FLOWS_EVICTED_ACTIVE], v[Counters.ESTABLISHED_OVER_LIMIT], v[Counters.ACK_BEFORE_SERVER],
                    v[Counters.ARP_UNSOLICITED], v[Counters.NEIGHBOUR_TABLE_FULL], v[Counters.NEIGHBOUR_ADVERTS_SENT],
                    v[Counters.NEIGHBOUR_SOLICITS_SENT], v[Counters.IPV6_EXTENSION_DROPPED],
                    v[Counters.ICMP_ERRORS_FORWARDED], v[Counters.BAD_CHECKSUM]);
        }
    }
}
