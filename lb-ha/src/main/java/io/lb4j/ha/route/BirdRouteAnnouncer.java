package io.lb4j.ha.route;

import io.lb4j.linux.Lifeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.Comparator;

/**
 * A {@link RouteAnnouncer} for BIRD 2: lb4j owns one file that the operator's {@code bird.conf} includes
 * ({@code include "/etc/bird/lb4j.conf";} after {@code router id} and {@code protocol device}), and writes into it
 * this node's BGP sessions toward the routers, BFD when asked, and a static protocol holding exactly the VIPs it
 * announces; every change rewrites the file (atomically) and asks BIRD to {@code configure} over its control socket.
 * BIRD reconfigures gracefully: the sessions stay up and only the changed routes are advertised or withdrawn.
 *
 * <p>The file it writes, for one VIP announced to one router with BFD:
 * <pre>
 * protocol static lb4j_vips { ipv4; route 10.218.100.100/32 blackhole; }
 * protocol bfd lb4j_bfd { interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
 * protocol bgp lb4j_peer1 { local as 65001; neighbor 10.218.0.1 as 65000; bfd on;
 *     ipv4 { import none; export where proto = "lb4j_vips"; }; }
 * </pre>
 * The route is a blackhole only inside BIRD (the node's BIRD needs no {@code protocol kernel}): BGP advertises it
 * with this node as next hop. With BFD the routers drop a dead node's path within 300 ms (3 x 100 ms); without it,
 * after BGP's hold time. IPv4 VIPs only.
 *
 * <p>BFD runs in BIRD, so it sees a dead machine, not a dead balancer: with only the JVM gone (killed, crashed, out of
 * memory) BIRD would go on announcing a VIP that nothing serves. With a {@linkplain Builder#lifeline lifeline} the
 * routes are {@code route 10.218.100.100/32 via "lb4j0";} instead, through an interface this process holds open and
 * the kernel deletes when the process ends however it ends ({@code io.lb4j.linux.Lifeline}): BIRD drops the routes
 * when it sees the interface go (at once from the kernel's notification, at the latest at the device protocol's
 * {@code scan time}) and withdraws them from the routers.
 *
 * <p>Thread-safe: changes are serialized. A change BIRD does not take (not running, socket missing, config refused)
 * leaves the VIP {@link AnnouncementState#FAILED} and is retried every {@link Builder#retryInterval retry interval}
 * until it is taken or another change supersedes it.
 */
public final class BirdRouteAnnouncer implements RouteAnnouncer {

    private static final Logger LOG = LoggerFactory.getLogger(BirdRouteAnnouncer.class);
    private static final Comparator<InetAddress> ORDER = Comparator.comparing(InetAddress::getHostAddress);

    private final Path configFile;
    private final BirdControl control;
    private final long localAs;
    private final Map<InetAddress, Long> neighbours;
    private final boolean bfd;
    private final Duration retryInterval;
    private final ScheduledExecutorService retries;
    private final Object lock = new Object();
    private final Set<InetAddress> desired = new TreeSet<>(ORDER); // guarded by lock
    private Set<InetAddress> applied = Set.of(); // guarded by lock
    private boolean failed; // guarded by lock
    private ScheduledFuture<?> retry; // guarded by lock
    private boolean closed; // guarded by lock
    private final String lifelineName;
    private Lifeline lifeline; // guarded by lock

    private BirdRouteAnnouncer(Builder b) {
        this.configFile = b.configFile;
        this.control = new BirdControl(b.socket, b.timeout);
        this.localAs = b.localAs;
        this.neighbours = Map.copyOf(b.neighbours);
        this.bfd = b.bfd;
        this.retryInterval = b.retryInterval;
        this.lifelineName = b.lifeline;
        this.retries = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("lb4j-bird-retry").factory());
    }

    /** A builder; socket, config file, local AS and at least one neighbour are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Writes the file with no VIP announced and asks BIRD to load it: the node's sessions come up without offering
     * anything. Like every change, a BIRD that does not answer yet is retried in the background.
     *
     * @return {@link AnnouncementState#WITHDRAWN}, or {@link AnnouncementState#FAILED} when BIRD did not take it
     */
    public AnnouncementState start() {
        synchronized (lock) {
            return sync() ? AnnouncementState.WITHDRAWN : AnnouncementState.FAILED;
        }
    }

    @Override
    public AnnouncementState announce(InetAddress vip) {
        if (!(Objects.requireNonNull(vip, "vip") instanceof Inet4Address)) {
            throw new IllegalArgumentException("vip: " + vip.getHostAddress() + " (expected: an IPv4 address; the BIRD"
                    + " announcer announces IPv4 VIPs only)");
        }
        synchronized (lock) {
            // Unchanged: nothing to send (a change BIRD did not take is the retry's job, not every caller's).
            if (desired.add(vip)) {
                sync();
            }
            return state(vip);
        }
    }

    @Override
    public AnnouncementState withdraw(InetAddress vip) {
        Objects.requireNonNull(vip, "vip");
        synchronized (lock) {
            if (desired.remove(vip)) {
                sync();
            }
            return state(vip);
        }
    }

    @Override
    public AnnouncementState state(InetAddress vip) {
        synchronized (lock) {
            if (desired.contains(vip) != applied.contains(vip)) {
                return AnnouncementState.FAILED;
            }
            return applied.contains(vip) ? AnnouncementState.ANNOUNCED : AnnouncementState.WITHDRAWN;
        }
    }

    /** The file BIRD includes; rewritten by every change. */
    public Path configFile() {
        return configFile;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (retry != null) {
                retry.cancel(false);
            }
            if (lifeline != null) {
                lifeline.close(); // BIRD drops the routes through it
                lifeline = null;
            }
        }
        retries.shutdownNow();
    }

    /** Writes the desired state and reconfigures BIRD; on failure schedules a retry. Under the lock. */
    private boolean sync() {
        Set<InetAddress> want = Set.copyOf(desired);
        try {
            if (lifelineName != null && lifeline == null && !closed) {
                // Before BIRD reads routes through it; a failure (e.g. the previous process still holds the name) is
                // retried like BIRD not answering.
                lifeline = Lifeline.open(lifelineName);
            }
            write(render(want));
            BirdControl.Reply reply = control.command("configure");
            if (!reply.ok()) {
                throw new IOException("BIRD refused the configuration (" + reply.code() + "): " + reply.text());
            }
            applied = want;
            if (failed) {
                LOG.info("BIRD took the announcement again: {}", want);
            }
            failed = false;
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
            return true;
        } catch (IOException e) {
            if (!failed) {
                LOG.warn("cannot update the BIRD announcement (retrying every {} ms): {}", retryInterval.toMillis(),
                        e.getMessage());
            }
            failed = true;
            if ((retry == null || retry.isDone()) && !closed) {
                retry = retries.scheduleWithFixedDelay(this::retry, retryInterval.toMillis(),
                        retryInterval.toMillis(), TimeUnit.MILLISECONDS);
            }
            return false;
        }
    }

    private void retry() {
        synchronized (lock) {
            if (failed && !closed) {
                sync();
            }
        }
    }

    private void write(String text) throws IOException {
        Path tmp = configFile.resolveSibling(configFile.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The include file for {@code vips}. */
    String render(Set<InetAddress> vips) {
        StringBuilder s = new StringBuilder("# Written by lb4j (BirdRouteAnnouncer); rewritten on every change: do not"
                + " edit.\n# The VIPs this node announces, and its BGP sessions toward the routers.\n");
        s.append("protocol static lb4j_vips {\n  ipv4;\n");
        List<InetAddress> sorted = new ArrayList<>(vips);
        sorted.sort(ORDER);
        for (InetAddress vip : sorted) {
            s.append("  route ").append(vip.getHostAddress()).append("/32 ")
                    .append(lifelineName == null ? "blackhole" : "via \"" + lifelineName + "\"").append(";\n");
        }
        s.append("}\n");
        if (bfd) {
            s.append("protocol bfd lb4j_bfd {\n  interface \"*\" { min rx interval 100 ms; min tx interval 100 ms;"
                    + " multiplier 3; };\n}\n");
        }
        int n = 1;
        List<InetAddress> peers = new ArrayList<>(neighbours.keySet());
        peers.sort(ORDER);
        for (InetAddress peer : peers) {
            s.append("protocol bgp lb4j_peer").append(n++).append(" {\n  local as ").append(localAs)
                    .append(";\n  neighbor ").append(peer.getHostAddress()).append(" as ").append(neighbours.get(peer))
                    .append(";\n").append(bfd ? "  bfd on;\n" : "")
                    .append("  ipv4 { import none; export where proto = \"lb4j_vips\"; };\n}\n");
        }
        return s.toString();
    }

    /** Builds a {@link BirdRouteAnnouncer}; every setter validates at once, {@link #build()} checks what is missing. */
    public static final class Builder {
        private Path socket;
        private Path configFile;
        private long localAs = -1;
        private final Map<InetAddress, Long> neighbours = new LinkedHashMap<>();
        private boolean bfd;
        private Duration retryInterval = Duration.ofSeconds(1);
        private Duration timeout = Duration.ofSeconds(5);
        private String lifeline;

        private Builder() {
        }

        /**
         * Routes the VIPs through an interface named {@code interfaceName} that this process creates and holds (a TUN
         * device the kernel deletes when the process ends), so that BIRD withdraws them when the balancer dies even
         * though BIRD itself runs on; see the class comment. Needs CAP_NET_ADMIN. Default: none (blackhole routes,
         * withdrawn only by {@link #withdraw}, {@link #close} or BIRD's own death).
         *
         * @throws IllegalArgumentException when the name is not 1-15 letters, digits, '-', '_' or '.'
         */
        public Builder lifeline(String interfaceName) {
            Objects.requireNonNull(interfaceName, "interfaceName");
            if (!interfaceName.matches("[A-Za-z0-9._-]{1,15}")) {
                throw new IllegalArgumentException("lifeline: \"" + interfaceName + "\" (expected: an interface name"
                        + " of 1-15 letters, digits, '-', '_' or '.')");
            }
            this.lifeline = interfaceName;
            return this;
        }

        /** BIRD's control socket, as {@code bird -s} or {@code birdc -s} name it (Debian: {@code /run/bird/bird.ctl}). */
        public Builder socket(Path socket) {
            this.socket = Objects.requireNonNull(socket, "socket");
            return this;
        }

        /** The file lb4j owns and {@code bird.conf} includes; its directory must exist. */
        public Builder configFile(Path configFile) {
            this.configFile = Objects.requireNonNull(configFile, "configFile").toAbsolutePath();
            return this;
        }

        /**
         * This node's autonomous system number.
         *
         * @throws IllegalArgumentException outside 1-4294967295
         */
        public Builder localAs(long as) {
            this.localAs = checkAs("localAs", as);
            return this;
        }

        /**
         * A router to announce to, with its AS number; one BGP session each.
         *
         * @throws IllegalArgumentException for an AS outside 1-4294967295, or an IPv6 address
         * @throws IllegalStateException    when the address was already given
         */
        public Builder neighbour(InetAddress address, long as) {
            Objects.requireNonNull(address, "address");
            if (!(address instanceof Inet4Address)) {
                throw new IllegalArgumentException("neighbour: " + address.getHostAddress() + " (expected: an IPv4"
                        + " address)");
            }
            checkAs("neighbour " + address.getHostAddress() + " as", as);
            if (neighbours.putIfAbsent(address, as) != null) {
                throw new IllegalStateException("neighbour " + address.getHostAddress() + " was already added");
            }
            return this;
        }

        /** Whether the sessions use BFD (BIRD's {@code bfd on}), so a dead node's path goes within 300 ms. */
        public Builder bfd(boolean enabled) {
            this.bfd = enabled;
            return this;
        }

        /**
         * How often a change BIRD did not take is tried again; default 1 s.
         *
         * @throws IllegalArgumentException outside 10 ms-1 min
         */
        public Builder retryInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 10 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("retryInterval: " + interval + " (expected: 10 ms-1 min)");
            }
            this.retryInterval = interval;
            return this;
        }

        /**
         * The announcer.
         *
         * @throws IllegalStateException naming what is missing
         */
        public BirdRouteAnnouncer build() {
            List<String> missing = new ArrayList<>();
            if (socket == null) {
                missing.add("socket");
            }
            if (configFile == null) {
                missing.add("configFile");
            }
            if (localAs < 0) {
                missing.add("localAs");
            }
            if (neighbours.isEmpty()) {
                missing.add("neighbour");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("a BIRD announcer needs socket, configFile, localAs and at least one"
                        + " neighbour (missing: " + String.join(", ", missing) + ")");
            }
            return new BirdRouteAnnouncer(this);
        }

        private static long checkAs(String what, long as) {
            if (as < 1 || as > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(what + ": " + as + " (expected: 1-4294967295)");
            }
            return as;
        }
    }
}
