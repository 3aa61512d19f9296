package io.lb4j.testsupport.netns;

import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One host of a {@link NetnsLab}: a network namespace with {@code eth0} on the lab's bridge, or the caller's own
 * namespace with an interface of its own there ({@link HostSetup#callersNamespace()}). Runs commands and Java mains
 * inside it; every process it starts is ended by the lab's {@link NetnsLab#close()}.
 */
public final class Host {

    /** What every child JVM gets: native access for the FFM bindings, a quick start, little memory, quiet logs. */
    private static final List<String> JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            // The libraries' tests log through slf4j-simple, the appliance through Logback (its logback.xml).
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dlb4j.log.level=warn");
    private static final Pattern MAC = Pattern.compile("link/ether ([0-9a-f:]{17})");
    /** Added and removed on {@code lo} by {@link #watchAddresses()} to learn that the monitor listens. */
    private static final String MARKER = "127.0.0.254/32";

    private final NetnsLab lab;
    private final String name;
    /** Null for a host in the caller's namespace. */
    private final String namespace;
    private final String interfaceName;
    private final String address;
    /** The bridge port of its interface, in the lab's bridge namespace. */
    private final String bridgePort;

    Host(NetnsLab lab, String name, String namespace, String interfaceName, String address, String bridgePort) {
        this.bridgePort = bridgePort;
        this.lab = lab;
        this.name = name;
        this.namespace = namespace;
        this.interfaceName = interfaceName;
        this.address = address;
    }

    /** The name given to the lab's builder, e.g. {@code "client"}. */
    public String name() {
        return name;
    }

    /**
     * The network namespace's name, unique to the lab, e.g. {@code "lb4jha-3fa9c1-a"}.
     *
     * @throws IllegalStateException for a host in the caller's namespace, which has no name
     */
    public String namespace() {
        if (namespace == null) {
            throw new IllegalStateException("host " + name + " is in the caller's namespace, which has no name");
        }
        return namespace;
    }

    /** Whether the host is the caller's own namespace (see {@link HostSetup#callersNamespace()}). */
    public boolean inCallersNamespace() {
        return namespace == null;
    }

    /** The path {@code setns(2)} opens to enter the namespace from a thread of this JVM. */
    public Path namespacePath() {
        return namespace == null ? Path.of("/proc/self/ns/net") : Path.of("/run/netns", namespace);
    }

    /**
     * The host's interface on the lab: {@code eth0}, or {@code <6 hex digits>-<host>} for a host in the caller's
     * namespace.
     */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface's address, without the prefix length. */
    public String address() {
        return address;
    }

    /**
     * {@code command} to run inside the namespace: {@code ip netns exec NS command...}, which execs it; the command as
     * it is for a host in the caller's namespace.
     */
    public List<String> command(List<String> command) {
        if (namespace == null) {
            return List.copyOf(command);
        }
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        all.addAll(command);
        return all;
    }

    /** {@code ip [-n NS] args...}: iproute2 acting on this host's namespace. */
    List<String> ip(String... args) {
        List<String> all = new ArrayList<>(List.of("ip"));
        if (namespace != null) {
            all.addAll(List.of("-n", namespace));
        }
        all.addAll(List.of(args));
        return all;
    }

    /** {@code command} to run inside the namespace: see {@link #command(List)}. */
    public List<String> command(String... command) {
        return command(List.of(command));
    }

    /**
     * Runs {@code command} inside the namespace to completion and returns its output.
     *
     * @throws java.io.UncheckedIOException with the command's output when it fails: see {@link Command#run}
     */
    public String run(String... command) {
        return Command.run(command(command));
    }

    /** Runs {@code command} inside the namespace whatever its exit status. */
    public Command.Result attempt(String... command) {
        return Command.attempt(command(command));
    }

    /** Starts {@code command} inside the namespace; the lab kills it on close if it still runs. */
    public ChildProcess start(String... command) {
        return start(name + "-" + command[0], List.of(command));
    }

    /** Starts {@code command} inside the namespace, labelled {@code label} in messages. */
    public ChildProcess start(String label, List<String> command) {
        return lab.started(ChildProcess.start(label, command(command)));
    }

    /** Starts {@code main} in a child JVM inside the namespace, on this JVM's class path. */
    public ChildProcess startJava(Class<?> main, String... args) {
        return startJava(List.of(), main, args);
    }

    /**
     * Starts {@code main} in a child JVM inside the namespace, on this JVM's class path, with {@code jvmOptions}
     * (e.g. {@code -Xmx64m}) after the defaults (native access, C1 only, serial GC, SLF4J at warn).
     */
    public ChildProcess startJava(List<String> jvmOptions, Class<?> main, String... args) {
        return start(name + "-" + main.getSimpleName(), javaCommand(jvmOptions, main, args));
    }

    /**
     * The command {@link #startJava(List, Class, String...)} runs (without the namespace prefix, which
     * {@link #start(String, List)} adds): for a test that runs the child JVM under a wrapper, e.g. {@code setpriv}
     * dropping capabilities, as {@code start(label, wrapper + javaCommand(...))}.
     */
    public List<String> javaCommand(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** The test's whole class path, also when surefire runs it from a manifest-only jar or on the module path. */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            return surefire;
        }
        String modules = System.getProperty("jdk.module.path");
        String cp = System.getProperty("java.class.path");
        return modules == null || modules.isBlank() ? cp : cp + File.pathSeparator + modules;
    }

    /**
     * Captures on the host's interface ({@code eth0}) with tcpdump ({@code -nn}, line-buffered, immediate mode, not
     * promiscuous): one line per packet matching {@code filter}. Returns once tcpdump listens.
     *
     * @throws AssertionError with tcpdump's output when it does not start within 15 s
     */
    public ChildProcess tcpdump(String filter) {
        ChildProcess p = start(name + "-tcpdump", List.of("tcpdump", "--immediate-mode", "-l", "-nn", "-p", "-i",
                interfaceName, filter));
        if (p.await(0, l -> l.startsWith("listening on"), Duration.ofSeconds(15)).isEmpty()) {
            throw new AssertionError(name + ": tcpdump did not start:\n" + p.text());
        }
        return p;
    }

    /**
     * Watches the host's addresses ({@code ip -o monitor address}): a line per address added, and one starting with
     * {@code Deleted} per address removed. Returns once the monitor is subscribed (it saw a marker address come on
     * {@code lo}, or on the host's interface in the caller's namespace, whose {@code lo} is not the lab's), so no
     * change the test makes afterwards is missed.
     */
    public ChildProcess watchAddresses() {
        ChildProcess p = start(name + "-monitor", List.of("ip", "-o", "monitor", "address"));
        String marker = " " + MARKER + " ";
        String markerDevice = namespace == null ? interfaceName : "lo";
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        // The monitor prints nothing until a change: make one until it reports it, then it listens.
        while (true) {
            Command.run(ip("addr", "add", MARKER, "dev", markerDevice));
            try {
                if (p.await(0, l -> l.contains(marker), Duration.ofMillis(100)).isPresent()) {
                    return p;
                }
            } finally {
                Command.run(ip("addr", "del", MARKER, "dev", markerDevice));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(name + ": ip monitor did not report the marker address:\n" + p.text());
            }
        }
    }

    /** The interface's MAC address, e.g. {@code "aa:bb:cc:dd:ee:ff"}. */
    public String mac() {
        String out = Command.run(ip("-o", "link", "show", "dev", interfaceName));
        Matcher m = MAC.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException(name + ": no MAC address in: " + out.strip());
        }
        return m.group(1);
    }

    /** Whether the interface ({@code eth0}) carries {@code address} now (an IP literal). */
    public boolean hasAddress(String address) {
        return Command.run(ip("-o", "addr", "show", "dev", interfaceName)).contains(" " + address + "/");
    }

    /** The MAC address this host's neighbour table holds for {@code address} on its interface, or empty. */
    public Optional<String> neighbour(String address) {
        String out = Command.run(ip("neigh", "show", address, "dev", interfaceName));
        int at = out.indexOf("lladdr ");
        return at < 0 ? Optional.empty() : Optional.of(out.substring(at + 7, at + 24));
    }

    /** Takes the host's bridge port down or up: its interface loses or regains its carrier. */
    public void link(boolean up) {
        Command.run("ip", "-n", lab.bridgeNamespace(), "link", "set", bridgePort, up ? "up" : "down");
    }

    @Override
    public String toString() {
        return name + " (" + (namespace == null ? "caller's namespace, " + interfaceName : namespace) + ", "
                + address + ")";
    }
}
