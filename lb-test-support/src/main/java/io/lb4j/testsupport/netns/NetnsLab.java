package io.lb4j.testsupport.netns;

import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A lab network of hosts on one machine, built from network namespaces (root only), as DESIGN.md "Testing" describes:
 * each host is a namespace whose {@code eth0} is one end of a veth pair; the other ends are ports of a bridge that
 * lives in a namespace of its own, so the root namespace holds no address on the lab's subnet and no lab packet ever
 * passes through it (unless a host is the caller's namespace: see below).
 *
 * <pre>{@code
 * try (NetnsLab lab = NetnsLab.builder("lb4jt")
 *         .host("client", "10.213.0.10/24")
 *         .host("balancer", "10.213.0.2/24")
 *         .host("primary", "10.213.0.110/24", h -> h.vip("10.213.0.100"))
 *         .host("secondary", "10.213.0.120/32", h -> h.route("10.213.0.2/32").route("default", "10.213.0.2"))
 *         .build()) {
 *     lab.host("primary").startJava(TestServerMain.class, "primary", "104");
 *     lab.host("client").run("ping", "-c1", "10.213.0.110");
 * }
 * }</pre>
 *
 * <p><b>Names.</b> Every namespace is called {@code <prefix>-<6 hex digits>-<host>}, the digits random per lab, so two
 * labs (in one JVM or in two) never collide, and whatever a crashed run leaves behind says which tests made it. The
 * bridge's namespace is {@code <prefix>-<digits>-br}; a host's bridge port is {@code p-<host>} inside it.
 *
 * <p><b>A host in the caller's namespace.</b> A host set up with {@link HostSetup#callersNamespace()} is this JVM's
 * own network namespace, for a balancer whose health checks and AF_PACKET socket run on this JVM's threads (a socket
 * belongs to the namespace of the thread that opens it): its interface is the caller's end of its veth pair, called
 * {@code <6 hex digits>-<host>} after the lab's digits, with the alias {@code <prefix>-<6 hex digits>-<host>}. The
 * namespace is shared, so the lab refuses such a host a VIP or a sysctl that is not its interface's own, and refuses
 * an address whose subnet the namespace already has; the interface's sysctls, address and routes go with it.
 *
 * <p><b>Offloads.</b> Interfaces keep their default offloads (TSO, GSO, GRO), as a VM's NIC does: a lab that switches
 * them off hides the super-frames real hosts send. {@link Builder#offloads(boolean) offloads(false)} switches them off
 * on every host's {@code eth0}, for a test's variant that checks the same behaviour on frames at wire size.
 *
 * <p><b>Clean-up.</b> {@link #close()} kills every process the lab started and every other process still inside its
 * namespaces, then deletes the interfaces of hosts in the caller's namespace, the namespaces (their veths and the
 * bridge go with them) and the lab's {@link #directory()}; also after a set-up that failed half-way, also when the
 * calling thread was interrupted. A shutdown hook closes the labs still open when the JVM exits (SIGTERM, SIGINT,
 * {@code System.exit}) as a last resort; only SIGKILL of the JVM leaves namespaces behind, and their prefix says
 * whose they are (an interface in the caller's namespace goes with its peer in the bridge's namespace).
 */
public final class NetnsLab implements AutoCloseable {

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{0,11}");
    /** Short enough that {@code p-<host>} fits IFNAMSIZ (15 characters). */
    private static final Pattern HOST = Pattern.compile("[a-z][a-z0-9]{0,9}");
    /** A host in the caller's namespace: short enough that {@code <6 hex digits>-<host>} fits IFNAMSIZ. */
    private static final int CALLERS_HOST_LENGTH = 8;
    /** The key of an interface's own sysctl, e.g. {@code net.ipv4.conf.eth0.forwarding}. */
    private static final Pattern INTERFACE_SYSCTL =
            Pattern.compile("net\\.ipv[46]\\.(conf|neigh)\\.eth0\\.[a-z0-9_]+");
    private static final String BRIDGE = "br";
    /** A segment's name: short enough that its bridge port {@code <segment>-<host>} fits IFNAMSIZ. */
    private static final Pattern SEGMENT = Pattern.compile("[a-z][a-z0-9]{0,3}");

    private final String prefix;
    private final Path directory;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<String> namespaces = new ArrayList<>();
    /** The interfaces of hosts in the caller's namespace. */
    private final List<String> callersInterfaces = new ArrayList<>();
    private final List<ChildProcess> processes = new CopyOnWriteArrayList<>();
    private boolean closed;

    private NetnsLab(String prefix, Path directory) {
        this.prefix = prefix;
        this.directory = directory;
    }

    /**
     * A lab whose namespace names start with {@code prefix} (a lowercase letter, then up to 11 lowercase letters or
     * digits; say which tests made it, e.g. {@code lb4jha}).
     *
     * @throws IllegalArgumentException when the prefix does not fit
     */
    public static Builder builder(String prefix) {
        return new Builder(prefix);
    }

    /**
     * Why a lab cannot run here, or empty: it needs root, iproute2's {@code ip}, and whatever else the test names
     * ({@code "tcpdump"}, {@code "ethtool"}, ...), each reported with the Debian package that brings it. For
     * {@code assumeTrue(...)}.
     */
    public static Optional<String> unavailable(String... programs) {
        if (!Command.isRoot()) {
            return Optional.of("network-namespace tests need root (uid 0)");
        }
        List<String> needed = new ArrayList<>(List.of("ip"));
        needed.addAll(List.of(programs));
        return Command.missing(needed.toArray(String[]::new));
    }

    /**
     * Why TUN interfaces (a balancer's lifeline) cannot be made here, or empty: they need {@code /dev/net/tun}, which
     * the kernel's {@code tun} module provides ({@code .ci/run} loads it). For {@code assumeTrue(...)}.
     */
    public static Optional<String> tunUnavailable() {
        return Files.exists(Path.of("/dev/net/tun")) ? Optional.empty()
                : Optional.of("no /dev/net/tun (modprobe tun) for TUN interfaces");
    }

    /** Builds a {@link NetnsLab}; see there. */
    public static final class Builder {
        private final String prefix;
        private final Map<String, String> addresses = new LinkedHashMap<>();
        private final Map<String, HostSetup> setups = new LinkedHashMap<>();
        private boolean offloads = true;

        private Builder(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException("prefix: \"" + prefix + "\" (expected: " + PREFIX + ")");
            }
            this.prefix = prefix;
        }

        /** A host {@code name} whose {@code eth0} has {@code address}, with its prefix length (e.g. {@code 10.0.0.1/24}). */
        public Builder host(String name, String address) {
            return host(name, address, h -> { });
        }

        /**
         * A host {@code name} whose {@code eth0} has {@code address} (with its prefix length), set up further by
         * {@code setup}: VIP on {@code lo}, sysctls, routes.
         *
         * @throws IllegalArgumentException when the name does not fit an interface name or the address lacks its
         *                                  prefix length
         * @throws IllegalStateException    when the name was already given
         */
        public Builder host(String name, String address, Consumer<HostSetup> setup) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            if (!HOST.matcher(name).matches() || name.equals(BRIDGE)) {
                throw new IllegalArgumentException("host: \"" + name + "\" (expected: " + HOST + ", not \"" + BRIDGE
                        + "\")");
            }
            if (!address.contains("/")) {
                throw new IllegalArgumentException("address of " + name + ": \"" + address
                        + "\" (expected: an address with its prefix length, e.g. 10.0.0.1/24)");
            }
            if (addresses.containsKey(name)) {
                throw new IllegalStateException("host " + name + " was already added");
            }
            HostSetup s = new HostSetup();
            setup.accept(s);
            if (s.callersNamespace) {
                requireFitsCallersNamespace(name, s);
                if (s.segment != null || !s.links.isEmpty()) {
                    throw new IllegalArgumentException("host " + name + " is in the caller's namespace: it stays on "
                            + "the main bridge and has one interface (expected: no segment(..) nor link(..))");
                }
            }
            addresses.put(name, address);
            setups.put(name, s);
            return this;
        }

        private static void requireFitsCallersNamespace(String name, HostSetup s) {
            if (name.length() > CALLERS_HOST_LENGTH) {
                throw new IllegalArgumentException("host: \"" + name + "\" (expected: at most " + CALLERS_HOST_LENGTH
                        + " characters for a host in the caller's namespace, whose interface is "
                        + "<6 hex digits>-<host>)");
            }
            if (!s.vips.isEmpty()) {
                throw new IllegalArgumentException("host " + name + " is in the caller's namespace: it cannot have a "
                        + "VIP (" + s.vips + "), the namespace is shared");
            }
            for (String key : s.sysctls.keySet()) {
                if (!INTERFACE_SYSCTL.matcher(key).matches()) {
                    throw new IllegalArgumentException("host " + name + " is in the caller's namespace: sysctl " + key
                            + " is not its interface's own (expected: e.g. net.ipv4.conf.eth0.forwarding)");
                }
            }
        }

        /**
         * Whether hosts keep the default offloads of their {@code eth0} (TSO, GSO, GRO); default {@code true}.
         * {@code false} runs {@code ethtool -K eth0 tso off gso off gro off} on each host: for a variant of a test on
         * frames at wire size, whose availability check must name {@code ethtool}.
         */
        public Builder offloads(boolean enabled) {
            this.offloads = enabled;
            return this;
        }

        /**
         * Creates the namespaces, links, addresses and routes.
         *
         * @throws IllegalStateException with the reason when a lab cannot run here (see {@link #unavailable})
         * @throws UncheckedIOException  naming the command that failed and its output; whatever was created is gone
         */
        public NetnsLab build() {
            unavailable(offloads ? new String[0] : new String[] {"ethtool"}).ifPresent(why -> {
                throw new IllegalStateException("cannot build a namespace lab: " + why);
            });
            if (addresses.isEmpty()) {
                throw new IllegalStateException("a lab needs at least one host");
            }
            String unique = uniquePrefix(prefix);
            NetnsLab lab;
            try {
                lab = new NetnsLab(unique, Files.createTempDirectory(unique + "-"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the lab's directory", e);
            }
            Cleanup.register(lab);
            try {
                lab.create(addresses, setups, offloads);
            } catch (RuntimeException e) {
                try {
                    lab.close();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            return lab;
        }
    }

    /** {@code prefix-XXXXXX} whose bridge namespace does not exist yet. */
    private static String uniquePrefix(String prefix) {
        while (true) {
            String p = prefix + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(1 << 24), 6);
            if (!Files.exists(Path.of("/run/netns", p + "-" + BRIDGE))) {
                return p;
            }
        }
    }

    /** The segment's name, checked: see {@link HostSetup#segment(String)}. */
    static String checkSegment(String segment) {
        if (!SEGMENT.matcher(segment).matches() || segment.equals("p")) {
            throw new IllegalArgumentException("segment: \"" + segment + "\" (expected: " + SEGMENT + ", not \"p\")");
        }
        return segment;
    }

    /** The bridge of {@code segment} (null: the main one) in the bridge namespace, created on first use. */
    private String bridge(String segment, Set<String> created) {
        String bridge = segment == null ? "br0" : "b-" + segment;
        if (created.add(bridge)) {
            Command.run("ip", "-n", bridgeNamespace(), "link", "add", bridge, "type", "bridge");
            Command.run("ip", "-n", bridgeNamespace(), "link", "set", bridge, "up");
        }
        return bridge;
    }

    /** {@code host}'s port on {@code segment}'s bridge: {@code p-<host>} on the main one, {@code <segment>-<host>}. */
    static String bridgePort(String segment, String host) {
        return segment == null ? bridgePort(host) : segment + "-" + host;
    }

    private void create(Map<String, String> addresses, Map<String, HostSetup> setups, boolean offloads) {
        String br = addNamespace(BRIDGE);
        Set<String> bridges = new HashSet<>();
        for (Map.Entry<String, String> e : addresses.entrySet()) {
            String name = e.getKey();
            String segment = setups.get(name).segment;
            String port = bridgePort(segment, name);
            String address = e.getValue().substring(0, e.getValue().indexOf('/'));
            Host host;
            if (setups.get(name).callersNamespace) {
                requireUnusedSubnet(name, e.getValue());
                String link = callersInterface(name);
                // The caller's end is created in the caller's namespace, the bridge port in the bridge's.
                Command.run("ip", "link", "add", link, "type", "veth", "peer", "name", port, "netns", br);
                callersInterfaces.add(link);
                Command.run("ip", "link", "set", link, "alias", prefix + "-" + name); // says whose it is
                host = new Host(this, name, null, link, address, port);
            } else {
                String ns = addNamespace(name);
                // Both ends are created inside their namespaces: the root namespace never holds either.
                Command.run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name",
                        port, "netns", br);
                host = new Host(this, name, ns, "eth0", address, port);
            }
            Command.run("ip", "-n", br, "link", "set", port, "master", bridge(segment, bridges));
            Command.run("ip", "-n", br, "link", "set", port, "up");
            Command.run(host.ip("link", "set", host.interfaceName(), "up"));
            if (!offloads) {
                host.run("ethtool", "-K", host.interfaceName(), "tso", "off", "gso", "off", "gro", "off");
            }
            // An IPv6 address skips duplicate address detection (nodad): it is usable at once, not "tentative"
            // for a second or two, and the lab's addresses are unique by construction.
            Command.run(e.getValue().contains(":")
                    ? host.ip("addr", "add", e.getValue(), "dev", host.interfaceName(), "nodad")
                    : host.ip("addr", "add", e.getValue(), "dev", host.interfaceName()));
            hosts.put(name, host);
            int n = 1;
            for (List<String> leg : setups.get(name).links) {
                String dev = "eth" + n++;
                String legPort = bridgePort(leg.get(0), name);
                Command.run("ip", "link", "add", dev, "netns", host.namespace(), "type", "veth", "peer", "name",
                        legPort, "netns", br);
                Command.run("ip", "-n", br, "link", "set", legPort, "master", bridge(leg.get(0), bridges));
                Command.run("ip", "-n", br, "link", "set", legPort, "up");
                Command.run(host.ip("link", "set", dev, "up"));
                Command.run(host.ip("addr", "add", leg.get(1), "dev", dev));
            }
            setUp(host, setups.get(name));
        }
    }

    /** {@code <6 hex digits>-<host>}: the interface of a host in the caller's namespace, unique to the lab. */
    private String callersInterface(String host) {
        return prefix.substring(prefix.length() - 6) + "-" + host;
    }

    /**
     * Refuses a subnet the caller's namespace already has an address or a route in (other than its default route):
     * the lab's traffic would be ambiguous there.
     */
    private static void requireUnusedSubnet(String host, String address) {
        List<String> used = new ArrayList<>();
        Command.run("ip", "-o", "addr", "show", "to", address).lines().forEach(used::add);
        Command.run("ip", "route", "show", "root", address).lines().forEach(used::add);
        Command.run("ip", "route", "show", "match", address).lines().filter(l -> !l.startsWith("default"))
                .forEach(used::add);
        if (!used.isEmpty()) {
            throw new IllegalStateException("host " + host + " in the caller's namespace: " + address + " overlaps "
                    + "what that namespace already has: " + used.stream().map(String::strip).toList());
        }
    }

    /**
     * The README's IPv6 step for a direct-routing real server, after {@code ip}: the VIP on {@code lo} with duplicate
     * address detection off. No sysctl goes with it: Linux answers a neighbour solicitation only for an address of
     * the interface it arrives on, and solicits from that interface's own addresses, so a VIP on {@code lo} is never
     * announced on the link (IPv4 needs {@code arp_ignore} / {@code arp_announce} for the same).
     */
    static String[] ipv6VipStep(String vip) {
        return new String[] {"-6", "addr", "add", vip + "/128", "dev", "lo", "nodad"};
    }

    private static void setUp(Host host, HostSetup setup) {
        for (String vip : setup.vips) {
            boolean v6 = vip.contains(":");
            Command.run(host.ip(v6 ? ipv6VipStep(vip) : new String[] {"addr", "add", vip + "/32", "dev", "lo"}));
            if (!v6) {
                host.run("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                        "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2");
            }
        }
        // "eth0" stands for the host's interface, whose name differs in the caller's namespace.
        setup.sysctls.forEach((key, value) -> host.run("sysctl", "-qw",
                key.replace(".eth0.", "." + host.interfaceName() + ".") + "=" + value));
        for (List<String> route : setup.routes) {
            List<String> args = new ArrayList<>(List.of("route", "add"));
            route.forEach(word -> args.add(word.equals("eth0") ? host.interfaceName() : word));
            Command.run(host.ip(args.toArray(String[]::new)));
        }
    }

    private String addNamespace(String host) {
        String ns = prefix + "-" + host;
        Command.run("ip", "netns", "add", ns);
        namespaces.add(ns);
        Command.run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    static String bridgePort(String host) {
        return "p-" + host;
    }

    String bridgeNamespace() {
        return prefix + "-" + BRIDGE;
    }

    ChildProcess started(ChildProcess p) {
        processes.add(p);
        return p;
    }

    /** The unique prefix of this lab's namespaces, {@code <prefix>-<6 hex digits>}. */
    public String prefix() {
        return prefix;
    }

    /**
     * The host {@code name}.
     *
     * @throws IllegalArgumentException naming the hosts there are when there is none of that name
     */
    public Host host(String name) {
        Host h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("host: \"" + name + "\" (expected one of " + hosts.keySet() + ")");
        }
        return h;
    }

    /** Every host, in the order they were added. */
    public List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** A directory for the test's files (configurations, pid files, logs), deleted on close. */
    public Path directory() {
        return directory;
    }

    /**
     * The namespaces whose names start with this lab's prefix that exist now, and the interfaces of its hosts in the
     * caller's namespace that still exist: none once the lab is closed.
     */
    public List<String> leftovers() {
        List<String> left = new ArrayList<>(Command.run("ip", "netns", "list").lines().map(l -> l.split(" ")[0])
                .filter(n -> n.startsWith(prefix + "-")).toList());
        for (String link : callersInterfaces) {
            if (linkExists(link)) {
                left.add(link);
            }
        }
        return left;
    }

    private static boolean linkExists(String link) {
        return Command.attempt(List.of("ip", "link", "show", "dev", link)).exitCode() == 0;
    }

    /**
     * Kills every process started through the lab and every process left in its namespaces, deletes the
     * namespaces and the directory. Idempotent; finishes its work even when the calling thread is interrupted.
     *
     * @throws IllegalStateException naming what could not be deleted, after trying everything
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = Thread.interrupted();
        List<String> failures = new ArrayList<>();
        try {
            processes.forEach(ChildProcess::kill);
            for (String ns : namespaces) {
                killRemaining(ns, failures);
            }
            // Deleting the bridge's namespace would take the peers along, but a failed build may have none yet.
            for (String link : callersInterfaces) {
                Command.Result r = Command.attempt(List.of("ip", "link", "del", "dev", link));
                if (r.exitCode() != 0 && linkExists(link)) {
                    failures.add("interface " + link + ": " + r.output().strip());
                }
            }
            callersInterfaces.clear();
            for (String ns : namespaces.reversed()) { // hosts first: their veths leave the bridge before it goes
                Command.Result r = Command.attempt(List.of("ip", "netns", "del", ns));
                if (r.exitCode() != 0) {
                    failures.add("namespace " + ns + ": " + r.output().strip());
                }
            }
            namespaces.clear();
            deleteDirectory(failures);
        } catch (RuntimeException e) {
            failures.add(e.toString());
        } finally {
            Cleanup.unregister(this);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("lab " + prefix + " not fully cleaned up: " + String.join("; ", failures));
        }
    }

    /** Kills what still runs in {@code ns} (a daemon's children, a process a test started itself), by pid. */
    private static void killRemaining(String ns, List<String> failures) {
        long self = ProcessHandle.current().pid();
        List<ProcessHandle> left = new ArrayList<>();
        for (String pid : Command.run("ip", "netns", "pids", ns).trim().split("\\s+")) {
            if (!pid.isBlank() && Long.parseLong(pid) != self) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(left::add);
            }
        }
        left.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : left) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                failures.add("pid " + h.pid() + " in " + ns + " still running after SIGKILL");
            }
        }
    }

    private void deleteDirectory(List<String> failures) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            failures.add("directory " + directory + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "NetnsLab " + prefix + " " + hosts.values();
    }

    /** The last resort: labs still open when the JVM shuts down are closed by one shutdown hook. */
    private static final class Cleanup {
        private static final Set<NetnsLab> OPEN = Collections.newSetFromMap(new ConcurrentHashMap<>());

        static {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("netns-lab-cleanup").unstarted(() -> {
                for (NetnsLab lab : List.copyOf(OPEN)) {
                    try {
                        lab.close();
                    } catch (RuntimeException e) {
                        System.err.println(e.getMessage());
                    }
                }
            }));
        }

        static void register(NetnsLab lab) {
            OPEN.add(lab);
        }

        static void unregister(NetnsLab lab) {
            OPEN.remove(lab);
        }
    }
}
