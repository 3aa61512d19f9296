package io.lb4j.engine.packet.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The lab network of DESIGN.md "Testing", built from network namespaces whose names are unique per run
 * ({@code lb4jt-XXXXXX-*}): client, balancer, primary and secondary hosts, each with an {@code eth0} veth into a
 * bridge that lives in a namespace of its own, so the root namespace gets no address and sends no packet.
 *
 * <pre>
 *   client 10.213.0.10/24 ─┐
 *   balancer 10.213.0.2/24 ─┤ br0 (own namespace)
 *   primary 10.213.0.110/24 ┤   VIP 10.213.0.100/32 on lo, arp_ignore=1, arp_announce=2 (direct routing)
 *   secondary 10.213.0.120/32 ┘ host route to the balancer, default via it (replies pass it to be un-NATed)
 * </pre>
 *
 * Offloads are switched off on the veths (TSO/GSO would hand the engine frames larger than the MTU).
 * {@link #close()} deletes every namespace it created, also after a failed set-up.
 */
public final class NamespaceLab implements AutoCloseable {

    public static final String VIP = "10.213.0.100";
    public static final String CLIENT = "10.213.0.10";
    public static final String BALANCER = "10.213.0.2";
    public static final String PRIMARY = "10.213.0.110";
    public static final String SECONDARY = "10.213.0.120";

    public final String bridge;
    public final String client;
    public final String balancer;
    public final String primary;
    public final String secondary;
    private final List<String> created = new ArrayList<>();

    public NamespaceLab() {
        String prefix = "lb4jt-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        bridge = prefix + "-br";
        client = prefix + "-c";
        balancer = prefix + "-b";
        primary = prefix + "-p";
        secondary = prefix + "-s";
    }

    /** Builds the network; on failure deletes what it made and rethrows. */
    public NamespaceLab build() throws IOException {
        try {
            for (String ns : List.of(bridge, client, balancer, primary, secondary)) {
                run("ip", "netns", "add", ns);
                created.add(ns);
                run("ip", "-n", ns, "link", "set", "lo", "up");
            }
            run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge");
            run("ip", "-n", bridge, "link", "set", "br0", "up");
            String[][] hosts = {{client, "vc"}, {balancer, "vb"}, {primary, "vp"}, {secondary, "vs"}};
            for (String[] h : hosts) {
                run("ip", "link", "add", "eth0", "netns", h[0], "type", "veth", "peer", "name", h[1], "netns", bridge);
                run("ip", "-n", bridge, "link", "set", h[1], "master", "br0");
                run("ip", "-n", bridge, "link", "set", h[1], "up");
                run("ip", "-n", h[0], "link", "set", "eth0", "up");
                run("ip", "netns", "exec", h[0], "ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off");
            }
            run("ip", "-n", client, "addr", "add", CLIENT + "/24", "dev", "eth0");
            run("ip", "-n", balancer, "addr", "add", BALANCER + "/24", "dev", "eth0");
            run("ip", "-n", primary, "addr", "add", PRIMARY + "/24", "dev", "eth0");
            run("ip", "-n", primary, "addr", "add", VIP + "/32", "dev", "lo");
            run("ip", "netns", "exec", primary, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1",
                    "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                    "net.ipv4.conf.eth0.arp_announce=2");
            run("ip", "-n", secondary, "addr", "add", SECONDARY + "/32", "dev", "eth0");
            run("ip", "-n", secondary, "route", "add", BALANCER + "/32", "dev", "eth0");
            run("ip", "-n", secondary, "route", "add", "default", "via", BALANCER);
            return this;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs {@code command} to completion and fails with its output when it exits non-zero. */
    public static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    /** {@code ip netns exec NS command...} as a list, for {@link Agent#start}. */
    public static List<String> in(String namespace, List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        all.addAll(command);
        return all;
    }

    /**
     * Deletes every namespace this lab created (their veths and the bridge go with them), first ending any process
     * still running in one: a namespace with a process in it would outlive its name.
     */
    @Override
    public void close() {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                for (String pid : run("ip", "netns", "pids", created.get(i)).split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                System.err.println("lab: listing processes of " + created.get(i) + ": " + e.getMessage());
            }
            try {
                run("ip", "netns", "del", created.get(i));
            } catch (IOException e) {
                System.err.println("lab: could not delete namespace " + created.get(i) + ": " + e.getMessage());
            }
        }
        created.clear();
    }
}
