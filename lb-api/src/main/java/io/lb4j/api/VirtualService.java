package io.lb4j.api;

import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.internal.Checks;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A virtual service (VIP): one address listening on one or more ports, forwarding new connections to its real
 * servers and, when none of them can take a connection, to its fallback. Immutable; build one with
 * {@link #directRouting()}, {@link #nat()}, {@link #tunnel()} or {@link #proxy()}.
 *
 * <p>The appliance guide's MergePACS service:
 * <pre>{@code
 * VirtualService pacs = VirtualService.directRouting()
 *     .label("PACS")
 *     .address("192.168.100.100")
 *     .ports(104, 80, 8080, 443, 8443, 5222, 1001)
 *     .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
 *     .fallback("192.168.100.120", f -> f.masquerade(true))
 *     .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
 *     .build();
 * }</pre>
 *
 * <p>Defaults: protocol TCP, scheduler {@link Scheduler#weightedLeastConnections() wlc}, health check
 * {@link HealthCheck#connect()} on all ports, no persistence, {@link FailbackPolicy#automatic() automatic}
 * fail-back.
 *
 * <p>A proxy service's real servers see the balancer's address, not the client's. A PACS that authorises
 * modalities by AE title and IP address needs the modality's: {@link Builder#preserveClientAddress(boolean)}
 * connects from the client's own address, {@link Builder#proxyProtocol(ProxyProtocol)} tells it to a real server
 * that speaks the PROXY protocol.
 *
 * <p>Timeouts and caps of a {@link #proxy() proxy} service, which the proxy engine enforces: a TCP service has
 * {@link #clientIdleTimeout()} and {@link #serverIdleTimeout()} (default {@value #DEFAULT_IDLE_TIMEOUT_MINUTES} min
 * each), {@link #tcpKeepAlive()} on both sockets (default {@link TcpKeepAlive#defaults()}) and
 * {@link #maxConnections()} (default 0, no cap); a UDP service has {@link #maxUdpSessions()} (default
 * {@value #DEFAULT_MAX_UDP_SESSIONS}). Setting one where it cannot apply (another forwarding method, or the other
 * protocol) is refused by {@link Builder#build()}; a service it does not apply to reports the default.
 */
public final class VirtualService {

    /**
     * The default client and server idle timeout in minutes: 30. Long enough for what PACS traffic does between
     * messages (a modality keeps its DICOM association open for minutes between images and series, an HL7 MLLP link
     * idles for minutes between messages), where HAProxy's usual 30-60 s {@code timeout client/server} would abort
     * associations mid-study. Short enough that a client that vanished without a FIN, or a backend that accepted and
     * stopped reading, gives its two descriptors back within half an hour; TCP keepalive finds the vanished peers
     * much sooner (see {@link TcpKeepAlive#defaults()}).
     */
    public static final int DEFAULT_IDLE_TIMEOUT_MINUTES = 30;
    /** {@link #DEFAULT_IDLE_TIMEOUT_MINUTES} as a duration. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(DEFAULT_IDLE_TIMEOUT_MINUTES);
    /** The longest idle timeout: 7 days. */
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(7);
    /**
     * The default cap on a UDP proxy service's sessions: 10,000. Each session holds a socket (a descriptor) to its
     * backend, and a UDP source address costs an attacker nothing to forge, so the default is bounded: far above
     * the syslog and audit senders of a hospital, far below a process's descriptor limit.
     */
    public static final int DEFAULT_MAX_UDP_SESSIONS = 10_000;
    /** The largest {@link #maxConnections()} and {@link #maxUdpSessions()}: 1,000,000. */
    public static final int MAX_CAP = 1_000_000;

    private final ForwardingMethod method;
    private final String label;
    private final InetAddress address;
    private final List<Integer> ports;
    private final Protocol protocol;
    private final List<RealServer> realServers;
    private final Fallback fallback;
    private final HealthCheck healthCheck;
    private final Scheduler scheduler;
    private final Duration persistence;
    private final FailbackPolicy failback;
    private final boolean preserveClientAddress;
    private final ProxyProtocol proxyProtocol;
    private final Duration clientIdleTimeout;
    private final Duration serverIdleTimeout;
    private final TcpKeepAlive tcpKeepAlive;
    private final int maxConnections;
    private final int maxUdpSessions;
    private final OnDown onDown;
    private final Duration slowStart;
    private final int persistenceNetmask;

    private VirtualService(Builder b, InetAddress address, List<RealServer> realServers, Fallback fallback,
                           HealthCheck healthCheck) {
        this.method = b.method;
        this.label = b.label;
        this.address = address;
        this.ports = List.copyOf(b.ports);
        this.protocol = b.protocol;
        this.realServers = List.copyOf(realServers);
        this.fallback = fallback;
        this.healthCheck = healthCheck;
        this.scheduler = b.scheduler;
        this.persistence = b.persistence;
        this.failback = b.failback;
        this.preserveClientAddress = b.preserveClientAddress;
        this.proxyProtocol = b.proxyProtocol;
        this.clientIdleTimeout = b.clientIdleTimeout != null ? b.clientIdleTimeout : DEFAULT_IDLE_TIMEOUT;
        this.serverIdleTimeout = b.serverIdleTimeout != null ? b.serverIdleTimeout : DEFAULT_IDLE_TIMEOUT;
        this.tcpKeepAlive = b.tcpKeepAlive != null ? b.tcpKeepAlive : TcpKeepAlive.defaults();
        this.maxConnections = b.maxConnections != null ? b.maxConnections : 0;
        this.maxUdpSessions = b.maxUdpSessions != null ? b.maxUdpSessions : DEFAULT_MAX_UDP_SESSIONS;
        this.onDown = b.onDown;
        this.slowStart = b.slowStart;
        this.persistenceNetmask = b.persistenceNetmask != null ? b.persistenceNetmask : fullPrefix(address);
    }

    private static int fullPrefix(InetAddress address) {
        return address instanceof Inet4Address ? 32 : 128;
    }

    /**
     * A Layer-4 direct-routing service (the appliance guide's "Layer 4 DR" mode): the balancer forwards each frame to
     * a real server by its MAC, and the real server answers the client directly, from the VIP. Real servers and the
     * fallback must have the VIP's address family.
     *
     * <p>Each Linux real server holds the VIP on {@code lo} (the guide's loopback adapter), so it accepts the frames
     * the balancer forwards, and never announces it on the LAN, where only the balancer may answer for it:
     * <pre>
     * # IPv4: the VIP on lo, never announced or answered by ARP on the LAN
     * ip addr add 192.168.100.100/32 dev lo
     * sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
     * # IPv6: the VIP on lo, duplicate address detection off; no sysctl needed (Linux answers neighbour
     * # solicitations only for addresses of the interface they arrive on, and never solicits from one on lo)
     * ip -6 addr add 2001:db8::100/128 dev lo nodad
     * </pre>
     */
    public static Builder directRouting() {
        return new Builder(ForwardingMethod.DIRECT_ROUTING);
    }

    /** A Layer-4 NAT service. */
    public static Builder nat() {
        return new Builder(ForwardingMethod.NAT);
    }

    /** A Layer-4 IP-in-IP tunnel service. */
    public static Builder tunnel() {
        return new Builder(ForwardingMethod.TUNNEL);
    }

    /** A user-space proxy service (needs no root; what the proxy engine forwards). */
    public static Builder proxy() {
        return new Builder(ForwardingMethod.PROXY);
    }

    /** A builder for the given method. */
    public static Builder builder(ForwardingMethod method) {
        return new Builder(Objects.requireNonNull(method, "method"));
    }

    /** A builder that starts from this service's values. */
    public Builder toBuilder() {
        Builder b = new Builder(method).label(label).address(address).protocol(protocol).healthCheck(healthCheck)
                .scheduler(scheduler).persistence(persistence).failback(failback);
        b.ports.addAll(ports);
        b.preserveClientAddress(preserveClientAddress).proxyProtocol(proxyProtocol);
        realServers.forEach(b::real);
        if (fallback != null) {
            b.fallback(fallback);
        }
        copyLimits(b);
        b.onDown(onDown).slowStart(slowStart);
        if (persistenceNetmask != fullPrefix(address)) {
            b.persistenceNetmask(persistenceNetmask);
        }
        return b;
    }

    /**
     * Sets only the values that differ from the defaults: every service holds all five, but the builder refuses one
     * set where it cannot apply, and a non-default value is always one that applies.
     */
    private void copyLimits(Builder b) {
        if (!clientIdleTimeout.equals(DEFAULT_IDLE_TIMEOUT)) {
            b.clientIdleTimeout(clientIdleTimeout);
        }
        if (!serverIdleTimeout.equals(DEFAULT_IDLE_TIMEOUT)) {
            b.serverIdleTimeout(serverIdleTimeout);
        }
        if (!tcpKeepAlive.equals(TcpKeepAlive.defaults())) {
            b.tcpKeepAlive(tcpKeepAlive);
        }
        if (maxConnections != 0) {
            b.maxConnections(maxConnections);
        }
        if (maxUdpSessions != DEFAULT_MAX_UDP_SESSIONS) {
            b.maxUdpSessions(maxUdpSessions);
        }
    }

    public ForwardingMethod method() {
        return method;
    }

    /** Unique among the balancer's services; names the service in commands, events and status. */
    public String label() {
        return label;
    }

    /** The virtual IP. */
    public InetAddress address() {
        return address;
    }

    /** The ports the VIP listens on, in the order given, without duplicates. */
    public List<Integer> ports() {
        return ports;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The real servers in configured order; labels are unique. */
    public List<RealServer> realServers() {
        return realServers;
    }

    /** The real server with this label, if any. */
    public Optional<RealServer> realServer(String realLabel) {
        return realServers.stream().filter(r -> r.label().equals(realLabel)).findFirst();
    }

    public Optional<Fallback> fallback() {
        return Optional.ofNullable(fallback);
    }

    public HealthCheck healthCheck() {
        return healthCheck;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** How long a client stays with the server it last reached; zero = no persistence. */
    public Duration persistence() {
        return persistence;
    }

    /**
     * The prefix length that makes clients one client (ldirectord's {@code netmask}, IPVS's {@code -M}): 32 for an
     * IPv4 VIP and 128 for an IPv6 one unless set, i.e. each address on its own. See
     * {@link Builder#persistenceNetmask(int)}.
     */
    public int persistenceNetmask() {
        return persistenceNetmask;
    }

    public FailbackPolicy failback() {
        return failback;
    }

    /**
     * Whether the connections to the real servers come from the client's own address rather than the balancer's
     * (proxy services over TCP only); see {@link Builder#preserveClientAddress(boolean)}.
     */
    public boolean preserveClientAddress() {
        return preserveClientAddress;
    }

    /**
     * What each connection to a real server starts with before the client's bytes (proxy services over TCP only);
     * {@link ProxyProtocol#NONE} by default.
     */
    public ProxyProtocol proxyProtocol() {
        return proxyProtocol;

    }

    /**
     * How long a proxied TCP connection may go without a byte from or to its client (read from the client, or
     * handed to the client's socket) before the engine closes both sides; {@link Duration#ZERO} = never. Default
     * {@value #DEFAULT_IDLE_TIMEOUT_MINUTES} min (see {@link #DEFAULT_IDLE_TIMEOUT_MINUTES} for why). Expiry is
     * never early: the engine checks each I/O thread's connections every tenth of the shortest timeout among them
     * (at most every 10 s), so it comes up to that period late, or up to one timeout late when bytes to the side
     * were still being handed over at the last check (a slow reader, or io_uring, which completes writes after they
     * are flushed). TCP proxy services only.
     */
    public Duration clientIdleTimeout() {
        return clientIdleTimeout;
    }

    /**
     * How long a proxied TCP connection may go without a byte from or to its backend before the engine closes both
     * sides; {@link Duration#ZERO} = never. Default {@value #DEFAULT_IDLE_TIMEOUT_MINUTES} min. A backend that
     * accepts and never reads is idle once the kernel stops taking what is written to it. TCP proxy services only.
     */
    public Duration serverIdleTimeout() {
        return serverIdleTimeout;
    }

    /** Keepalive on the client's and the backend's socket; default {@link TcpKeepAlive#defaults()}. TCP proxy only. */
    public TcpKeepAlive tcpKeepAlive() {
        return tcpKeepAlive;
    }

    /**
     * The most TCP connections the service holds at once, over all its ports and backends; 0 (the default) = no
     * cap. A connection beyond it is closed as soon as it is accepted, before any backend is chosen, and counted.
     * Not to be confused with {@link RealServer#maxConnections()}, which caps one real server and sends what it
     * cannot take elsewhere. No cap by default: a TCP client needs a completed handshake, so connections cannot be
     * forged the way UDP sources can, and a default cap could turn away a busy site's real clients. TCP proxy
     * services only.
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * The most UDP sessions (client address and port, per VIP port) the service holds at once, over all its ports;
     * 0 = no cap. When a new client would exceed it, the least recently active session (by datagrams either way)
     * is closed first, its socket with it, and counted. Default {@value #DEFAULT_MAX_UDP_SESSIONS}. UDP proxy
     * services only.
     */
    public int maxUdpSessions() {
        return maxUdpSessions;
    }

    /** What happens to a real server's established connections when it turns DOWN; default {@link OnDown#KEEP}. */
    public OnDown onDown() {
        return onDown;
    }

    /**
     * How long a real server that comes back takes to reach its weight; zero (the default) = at once. See
     * {@link Builder#slowStart(Duration)}.
     */
    public Duration slowStart() {
        return slowStart;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VirtualService v && method == v.method && label.equals(v.label)
                && address.equals(v.address) && ports.equals(v.ports) && protocol == v.protocol
                && realServers.equals(v.realServers) && Objects.equals(fallback, v.fallback)
                && healthCheck.equals(v.healthCheck) && scheduler.equals(v.scheduler)
                && persistence.equals(v.persistence) && failback.equals(v.failback)
                && preserveClientAddress == v.preserveClientAddress && proxyProtocol == v.proxyProtocol
                && sameLimits(v) && sameServerHandling(v);
    }

    private boolean sameServerHandling(VirtualService v) {
        return onDown == v.onDown && slowStart.equals(v.slowStart) && persistenceNetmask == v.persistenceNetmask;
    }

    private boolean sameLimits(VirtualService v) {
        return clientIdleTimeout.equals(v.clientIdleTimeout) && serverIdleTimeout.equals(v.serverIdleTimeout)
                && tcpKeepAlive.equals(v.tcpKeepAlive) && maxConnections == v.maxConnections
                && maxUdpSessions == v.maxUdpSessions;
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(method, label, address, ports, protocol, realServers, fallback, healthCheck, scheduler,
                persistence, failback, preserveClientAddress, proxyProtocol)
                + Objects.hash(clientIdleTimeout, serverIdleTimeout, tcpKeepAlive, maxConnections, maxUdpSessions)
                + 17 * Objects.hash(onDown, slowStart, persistenceNetmask);
    }

    @Override
    public String toString() {
        return "VirtualService[" + label + " " + method.configName() + " " + Addresses.text(address) + " ports="
                + ports + " " + protocol + " reals=" + realServers.stream().map(RealServer::label).toList()
                + (fallback == null ? "" : " fallback=" + Addresses.text(fallback.address())) + "]";
    }

    /**
     * Fluent builder. Setters only record values; {@link #build()} checks every rule and throws with a message that
     * names the field, the value and what is allowed. Not thread-safe.
     */
    public static final class Builder {
        private final ForwardingMethod method;
        private String label;
        private String addressLiteral;
        private InetAddress address;
        private final List<Integer> ports = new ArrayList<>();
        private Protocol protocol = Protocol.TCP;
        private final List<Object> reals = new ArrayList<>(); // RealServer or PendingReal, in call order
        private Object fallback; // Fallback or PendingFallback
        private Object healthCheck = HealthCheck.connect();
        private Scheduler scheduler = Scheduler.weightedLeastConnections();
        private Duration persistence = Duration.ZERO;
        private FailbackPolicy failback = FailbackPolicy.automatic();
        private boolean preserveClientAddress;
        private ProxyProtocol proxyProtocol = ProxyProtocol.NONE;
        // Null = not set: build() refuses a value set where it cannot apply, and fills in the default otherwise.
        private Duration clientIdleTimeout;
        private Duration serverIdleTimeout;
        private TcpKeepAlive tcpKeepAlive;
        private Integer maxConnections;
        private Integer maxUdpSessions;
        private OnDown onDown = OnDown.KEEP;
        private Duration slowStart = Duration.ZERO;
        private Integer persistenceNetmask;

        private record PendingReal(String label, String address, Consumer<RealServer.Builder> options) {
        }

        private record PendingFallback(String address, Consumer<Fallback.Builder> options) {
        }

        Builder(ForwardingMethod method) {
            this.method = method;
        }

        /** The service's label; required, unique among the balancer's services. */
        public Builder label(String label) {
            this.label = label;
            return this;
        }

        /** The VIP as an IPv4 or IPv6 literal; required. */
        public Builder address(String address) {
            this.addressLiteral = address;
            this.address = null;
            return this;
        }

        /** The VIP; required. */
        public Builder address(InetAddress address) {
            this.address = address;
            this.addressLiteral = null;
            return this;
        }

        /** Adds ports (1-65535) the VIP listens on; at least one in all, none twice. */
        public Builder ports(int... ports) {
            for (int p : ports) {
                this.ports.add(p);
            }
            return this;
        }

        /** Adds the ports {@code from} to {@code to}, both included. */
        public Builder portRange(int from, int to) {
            if (from > to) {
                throw Checks.invalid("portRange", from + "-" + to, "from <= to");
            }
            Checks.inRange("portRange.from", from, 1, 65535);
            Checks.inRange("portRange.to", to, 1, 65535);
            for (int p = from; p <= to; p++) {
                this.ports.add(p);
            }
            return this;
        }

        /** TCP (the default) or UDP. */
        public Builder protocol(Protocol protocol) {
            this.protocol = protocol;
            return this;
        }

        /** Adds a real server with default options (same port as the client's, weight 100, no limits). */
        public Builder real(String label, String address) {
            return real(label, address, r -> { });
        }

        /** Adds a real server; {@code options} sets its port, weight and connection limits. */
        public Builder real(String label, String address, Consumer<RealServer.Builder> options) {
            reals.add(new PendingReal(label, address, Objects.requireNonNull(options, "options")));
            return this;
        }

        /** Adds a real server. */
        public Builder real(RealServer server) {
            reals.add(Objects.requireNonNull(server, "server"));
            return this;
        }

        /** Sets the fallback server, on the client's port, without NAT. */
        public Builder fallback(String address) {
            return fallback(address, f -> { });
        }

        /** Sets the fallback server; {@code options} sets its port and masquerading. */
        public Builder fallback(String address, Consumer<Fallback.Builder> options) {
            this.fallback = new PendingFallback(address, Objects.requireNonNull(options, "options"));
            return this;
        }

        /** Sets the fallback server, or removes it with {@code null}. */
        public Builder fallback(Fallback fallback) {
            this.fallback = fallback;
            return this;
        }

        /** The health check for every real server; default {@link HealthCheck#connect()}. */
        public Builder healthCheck(HealthCheck check) {
            this.healthCheck = Objects.requireNonNull(check, "healthCheck");
            return this;
        }

        /** The health check, built when the service is built. */
        public Builder healthCheck(HealthCheck.Builder check) {
            this.healthCheck = Objects.requireNonNull(check, "healthCheck");
            return this;
        }

        /** The scheduler; default {@link Scheduler#weightedLeastConnections()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Source-address persistence timeout; zero (the default) turns it off. A client that reached a real server
         * within the timeout goes to it again while it takes new connections; entries of a server that goes down or
         * is halted are dropped.
         *
         * <p>At fail-back, persistent clients go back to the real servers (haproxy #2729 is the opposite complaint:
         * sticky clients left on the backup): the fallback is never a persistence target, so a modality sent to the
         * secondary cluster during an outage reaches the primary with its first connection after fail-back, then
         * sticks to it. For a PACS the primary cluster is the archive of record that the reading room and the
         * prefetch rules use; a modality left storing to the secondary after the primary is back splits patients'
         * studies between the clusters for as long as it keeps connecting. The fail-back policy
         * ({@link #failback(FailbackPolicy)}: hold-down, manual) and {@link #slowStart(Duration)} are the ways to
         * make that return gentle, not persistence.
         */
        public Builder persistence(Duration persistence) {
            this.persistence = Objects.requireNonNull(persistence, "persistence");
            return this;
        }

        /**
         * Persistence granularity (ldirectord's {@code netmask}, IPVS's {@code -M}): clients whose addresses share
         * their first {@code prefix} bits are one client to the balancer, e.g. 24 for the modalities of one
         * department behind a NAT range, or 64 for an IPv6 subnet. 0-32 for an IPv4 VIP, 0-128 for an IPv6 one;
         * unset = the whole address. Needs {@link #persistence(Duration)}. The prefix is the client for the
         * source-hash schedulers too ({@code sh}, {@code mh}): with persistence the first connection of a prefix
         * decides for the whole prefix anyway, and hashing the prefix keeps that choice after the entry expires.
         */
        public Builder persistenceNetmask(int prefix) {
            this.persistenceNetmask = prefix;
            return this;
        }

        /** What happens when a failed-over service's real servers recover; default automatic. */
        public Builder failback(FailbackPolicy failback) {
            this.failback = Objects.requireNonNull(failback, "failback");
            return this;
        }

        /**
         * Whether a proxy service's connections to its real servers come from the client's own IP address instead of
         * the balancer's; default {@code false}. A PACS that authorises modalities by AE title and IP address then
         * sees each modality's address, as it would without the balancer. Proxy services over TCP only ({@link
         * #build()} refuses it for other methods, which keep the client's address anyway, and for UDP); every real
         * server and the fallback must have the VIP's address family, since an IPv6 client's address cannot be the
         * source of a connection to an IPv4 server. May be combined with {@link #proxyProtocol(ProxyProtocol)}.
         *
         * <p>The proxy engine binds each connection to a real server to the client's address with an ephemeral port
         * (HAProxy's {@code usesrc clientip}) through the socket option {@code IP_TRANSPARENT}: it needs
         * CAP_NET_ADMIN (CAP_NET_RAW also does) and a native transport of the proxy engine, io_uring or epoll (its
         * default {@code Transport.AUTO} picks one where Netty's native library loads; Java NIO cannot set the
         * option), and refuses the service at start, naming what is missing, without them.
         *
         * <p>The real server answers the client's address, so its replies must come back through the balancer, and
         * the balancer must hand them to its own socket rather than forward them. The host recipe, as lb4j's
         * namespace test applies it (IPv4; the nftables table covers IPv6 too, with {@code ip -6 rule} and
         * {@code ip -6 route add local ::/0 dev lo table 100} as the IPv6 routing lines):
         * <pre>
         * # on the balancer: mark packets that belong to a transparent socket, deliver marked packets locally
         * nft add table inet lb4j
         * nft add chain inet lb4j divert '{ type filter hook prerouting priority mangle; }'
         * nft add rule inet lb4j divert meta l4proto tcp socket transparent 1 meta mark set 1
         * ip rule add fwmark 1 lookup 100
         * ip route add local 0.0.0.0/0 dev lo table 100
         * # on each real server: reach the clients through the balancer
         * ip route add default via BALANCER_ADDRESS
         * </pre>
         * The real server's route may name only the clients' networks instead of {@code default}; what matters is
         * that no reply to a client bypasses the balancer (a reply that does is answered by the client with a reset).
         */
        public Builder preserveClientAddress(boolean preserveClientAddress) {
            this.preserveClientAddress = preserveClientAddress;
            return this;
        }

        /**
         * Closes a TCP proxy connection whose client has sent and been sent nothing for this long; 0 = never,
         * else 1 s-7 days; default {@value VirtualService#DEFAULT_IDLE_TIMEOUT_MINUTES} min. TCP proxy services only.
         */
        public Builder clientIdleTimeout(Duration timeout) {
            this.clientIdleTimeout = Objects.requireNonNull(timeout, "clientIdleTimeout");
            return this;
        }

        /**
         * What each connection to a real server starts with, before the client's first byte; default
         * {@link ProxyProtocol#NONE}. {@link ProxyProtocol#V2} sends a PROXY protocol v2 header with the client's
         * and the VIP's addresses and ports, for real servers that expect it. Proxy services over TCP only
         * ({@link #build()} refuses it otherwise). May be combined with {@link #preserveClientAddress(boolean)}.
         */
        public Builder proxyProtocol(ProxyProtocol proxyProtocol) {
            this.proxyProtocol = Objects.requireNonNull(proxyProtocol, "proxyProtocol");
            return this;
        }

        /**
         * Closes a TCP proxy connection whose backend has sent and been sent nothing for this long; 0 = never,
         * else 1 s-7 days; default {@value VirtualService#DEFAULT_IDLE_TIMEOUT_MINUTES} min. TCP proxy services only.
         */
        public Builder serverIdleTimeout(Duration timeout) {
            this.serverIdleTimeout = Objects.requireNonNull(timeout, "serverIdleTimeout");
            return this;
        }

        /** Keepalive on both sockets of each connection; default {@link TcpKeepAlive#defaults()}. TCP proxy only. */
        public Builder tcpKeepAlive(TcpKeepAlive keepAlive) {
            this.tcpKeepAlive = Objects.requireNonNull(keepAlive, "tcpKeepAlive");
            return this;
        }

        /**
         * The most TCP connections the service holds at once, 0-{@value VirtualService#MAX_CAP}; 0 (the default) =
         * no cap. TCP proxy services only; see {@link VirtualService#maxConnections()}.
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * The most UDP sessions the service holds at once, least recently active evicted first,
         * 0-{@value VirtualService#MAX_CAP}; 0 = no cap; default {@value VirtualService#DEFAULT_MAX_UDP_SESSIONS}.
         * UDP proxy services only; see {@link VirtualService#maxUdpSessions()}.
         */
        public Builder maxUdpSessions(int maxUdpSessions) {
            this.maxUdpSessions = maxUdpSessions;
            return this;
        }

        /**
         * What happens to a real server's established connections when its health check marks it DOWN; default
         * {@link OnDown#KEEP}. {@link OnDown#CLOSE} ends them, so clients reconnect to what can take them now (the
         * fallback when no real server is left); see {@link OnDown}.
         */
        public Builder onDown(OnDown onDown) {
            this.onDown = Objects.requireNonNull(onDown, "onDown");
            return this;
        }

        /**
         * Slow start (HAProxy's {@code slowstart}): a real server that comes back, from DOWN, Halt or Drain or when
         * the service fails back to it, takes new connections at an effective weight that grows linearly from 0 to
         * its weight over this duration, recomputed every twentieth of it (at least every second). Not at the
         * balancer's start, nor for a server that was already taking connections. 0 (the default) = off, else
         * 1 s-1 day.
         *
         * <p>While every real server taking connections is still ramping (a service failing back to its one
         * primary), the fallback takes the complement: at a fraction {@code f} of the ramp, a share {@code 1 - f}
         * of new connections (weighted by the servers' weights) still goes to the fallback, exactly, one in turn,
         * so the primary is not flooded with the whole hospital's connections the moment it returns. With a server
         * at full weight beside the ramping one, the fallback takes nothing and the ramping server's share among
         * the real servers grows with its effective weight. A persistent client the primary took stays with it.
         */
        public Builder slowStart(Duration slowStart) {
            this.slowStart = Objects.requireNonNull(slowStart, "slowStart");
            return this;
        }

        /**
         * Checks every rule and builds the service.
         *
         * @throws IllegalArgumentException naming the field, the bad value and what is allowed
         * @throws NullPointerException     naming a required value that is missing
         */
        public VirtualService build() {
            if (label == null) {
                throw new IllegalArgumentException("label: missing (expected: a non-blank label)");
            }
            Checks.label("label", label);
            InetAddress vip = address;
            if (vip == null) {
                if (addressLiteral == null) {
                    throw new IllegalArgumentException("address: missing (expected: the VIP's IPv4 or IPv6 address)");
                }
                vip = Addresses.parse("address", addressLiteral);
            }
            checkPorts();
            Objects.requireNonNull(protocol, "protocol");
            if (persistenceNetmask != null) {
                Checks.inRange("persistenceNetmask", persistenceNetmask, 0, fullPrefix(vip));
                if (persistence.isZero()) {
                    throw Checks.invalid("persistenceNetmask", persistenceNetmask, "unset without persistence: it"
                            + " groups clients into persistence entries");
                }
            }
            Checks.notNegative("persistence", persistence);
            if (!slowStart.isZero() && (slowStart.compareTo(Duration.ofSeconds(1)) < 0
                    || slowStart.compareTo(Duration.ofDays(1)) > 0)) {
                throw Checks.invalid("slowStart", slowStart, "0 (off), or 1 s-1 day");
            }
            checkClientAddressOptions();
            checkLimits();

            List<RealServer> servers = new ArrayList<>();
            Set<String> labels = new HashSet<>();
            for (Object o : reals) {
                RealServer r = o instanceof PendingReal p ? pending(p) : (RealServer) o;
                if (!labels.add(r.label())) {
                    throw Checks.invalid("realServers", "\"" + r.label() + "\"", "unique labels; \"" + r.label()
                            + "\" is used twice");
                }
                checkRealServer(r, vip);
                servers.add(r);
            }
            Fallback fb = fallback instanceof PendingFallback p ? pending(p) : (Fallback) fallback;
            if (fb != null) {
                checkFallback(fb, vip);
            }
            if (servers.isEmpty() && fb == null) {
                throw Checks.invalid("realServers", "[]", "at least one real server or a fallback");
            }
            HealthCheck check = healthCheck instanceof HealthCheck.Builder hb ? hb.build() : (HealthCheck) healthCheck;
            checkCompositeCoversEveryPort(check);
            return new VirtualService(this, vip, servers, fb, check);
        }

        /** The timeouts and caps: each in range, and each only where it applies (see the class documentation). */
        private void checkLimits() {
            idleTimeout("clientIdleTimeout", clientIdleTimeout);
            idleTimeout("serverIdleTimeout", serverIdleTimeout);
            if (maxConnections != null) {
                Checks.inRange("maxConnections", maxConnections, 0, MAX_CAP);
            }
            if (maxUdpSessions != null) {
                Checks.inRange("maxUdpSessions", maxUdpSessions, 0, MAX_CAP);
            }
            onlyFor(Protocol.TCP, "clientIdleTimeout", clientIdleTimeout);
            onlyFor(Protocol.TCP, "serverIdleTimeout", serverIdleTimeout);
            onlyFor(Protocol.TCP, "tcpKeepAlive", tcpKeepAlive);
            onlyFor(Protocol.TCP, "maxConnections", maxConnections);
            onlyFor(Protocol.UDP, "maxUdpSessions", maxUdpSessions);
        }

        /** Refuses {@code value}, when set, unless this is a proxy service of the {@code needed} protocol. */
        private void onlyFor(Protocol needed, String field, Object value) {
            if (value == null) {
                return;
            }
            if (method != ForwardingMethod.PROXY) {
                throw Checks.invalid(field, value, "unset: only proxy services have it, and this one is "
                        + method.configName());
            }
            if (protocol != needed) {
                throw Checks.invalid(field, value, "unset: only " + needed + " services have it, and this one is "
                        + protocol + (needed == Protocol.TCP
                        ? "; UDP sessions end after the engine's udpIdleTimeout and maxUdpSessions caps them"
                        : "; maxConnections caps TCP connections"));
            }
        }

        private static void idleTimeout(String field, Duration value) {
            if (value != null && !value.isZero()
                    && (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(MAX_IDLE_TIMEOUT) > 0)) {
                throw Checks.invalid(field, value, "0 (never), or 1 s-7 days");
            }
        }

        /**
         * With {@code allOf} and no "other ports" probe, a checked port that no part names would never be probed: a
         * dead service on it would never fail over. Each part's ports are disjoint already ({@link CompositeProbe}).
         */
        private void checkCompositeCoversEveryPort(HealthCheck check) {
            if (check.probe() instanceof CompositeProbe composite && composite.otherPorts() instanceof NoProbe) {
                Set<Integer> named = composite.namedPorts();
                for (int p : check.ports().resolve(ports)) {
                    if (!named.contains(p)) {
                        throw Checks.invalid("allOf.ports", p, "every checked port in one probe, or an otherPorts"
                                + " probe; " + p + " is in none");
                    }
                }
            }
        }

        /** preserveClientAddress and proxyProtocol concern the connections only a TCP proxy opens itself. */
        private void checkClientAddressOptions() {
            if (preserveClientAddress && method != ForwardingMethod.PROXY) {
                throw Checks.invalid("preserveClientAddress", true, "false for a " + method.configName()
                        + " service: only a proxy service opens its own connections to the real servers, "
                        + method.configName() + " keeps the client's address already");
            }
            if (preserveClientAddress && protocol == Protocol.UDP) {
                throw Checks.invalid("preserveClientAddress", true, "false for a UDP service: the client's address"
                        + " is kept on TCP connections only");
            }
            if (proxyProtocol != ProxyProtocol.NONE && method != ForwardingMethod.PROXY) {
                throw Checks.invalid("proxyProtocol", "\"" + proxyProtocol.configName() + "\"", "none for a "
                        + method.configName() + " service: only a proxy service opens its own connections to the"
                        + " real servers");
            }
            if (proxyProtocol != ProxyProtocol.NONE && protocol == Protocol.UDP) {
                throw Checks.invalid("proxyProtocol", "\"" + proxyProtocol.configName() + "\"", "none for a UDP"
                        + " service: the PROXY header is sent on TCP connections only");
            }
        }

        private void checkPorts() {
            if (ports.isEmpty()) {
                throw Checks.invalid("ports", "[]", "at least one port 1-65535");
            }
            Set<Integer> seen = new LinkedHashSet<>();
            for (int p : ports) {
                if (p == 0) {
                    throw Checks.invalid("ports", 0, "1-65535; port 0 is only meaningful for a fallback");
                }
                Checks.inRange("ports", p, 1, 65535);
                if (!seen.add(p)) {
                    throw Checks.invalid("ports", p, "each port once; " + p + " is listed twice");
                }
            }
        }

        private static RealServer pending(PendingReal p) {
            Checks.label("realServer.label", p.label());
            RealServer.Builder b = RealServer.builder(p.label(),
                    Addresses.parse("realServer[" + p.label() + "].address", p.address()));
            p.options().accept(b);
            return b.build();
        }

        private static Fallback pending(PendingFallback p) {
            Fallback.Builder b = Fallback.builder(Addresses.parse("fallback.address", p.address()));
            p.options().accept(b);
            return b.build();
        }

        private void checkRealServer(RealServer r, InetAddress vip) {
            String field = "realServer[" + r.label() + "]";
            if (r.port() != 0 && !method.remapsPorts()) {
                throw Checks.invalid(field + ".port", r.port(), "0, the client's port: " + method.configName()
                        + " cannot remap ports");
            }
            checkTargetAddress(field + ".address", r.address(), r.port(), vip, method);
        }

        private void checkFallback(Fallback fb, InetAddress vip) {
            ForwardingMethod effective = fb.masquerade() ? ForwardingMethod.NAT : method;
            if (fb.port() != 0 && !effective.remapsPorts()) {
                throw Checks.invalid("fallback.port", fb.port(), "0, the client's port: " + method.configName()
                        + " cannot remap ports unless the fallback masquerades");
            }
            checkTargetAddress("fallback.address", fb.address(), fb.port(), vip, effective);
        }

        private void checkTargetAddress(String field, InetAddress target, int port, InetAddress vip,
                                        ForwardingMethod how) {
            if (target.equals(vip)) {
                // A proxy may forward to another port on the VIP's own address; anything else would loop.
                boolean loops = how != ForwardingMethod.PROXY || port == 0 || ports.contains(port);
                if (loops) {
                    throw Checks.invalid(field, Addresses.text(target), "an address other than the VIP "
                            + Addresses.text(vip) + (how == ForwardingMethod.PROXY ? ", or a port the VIP does not listen on" : ""));
                }
            }
            if (how != ForwardingMethod.PROXY && (target instanceof Inet4Address) != (vip instanceof Inet4Address)) {
                throw Checks.invalid(field, Addresses.text(target), "an " + (vip instanceof Inet4Address ? "IPv4" : "IPv6")
                        + " address like the VIP: " + how.configName() + " cannot change the address family");
            }
            if (preserveClientAddress && (target instanceof Inet4Address) != (vip instanceof Inet4Address)) {
                throw Checks.invalid(field, Addresses.text(target), "an " + (vip instanceof Inet4Address ? "IPv4"
                        : "IPv6") + " address like the VIP: preserveClientAddress connects from the client's address,"
                        + " which has the VIP's family");
            }
        }
    }
}
