package io.lb4j.ha.interop;

import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One router of the pair in a lab namespace: lb4j in a child JVM, or keepalived. Tracks whether it claims to be
 * master from what it prints, each line stamped when read; a killed router stops claiming at the instant of the
 * kill (a dead process sends no adverts; the address it leaves on its interface is the host's, released when the
 * router starts again).
 */
abstract class PairNode {

    /** A change of claimed mastership, at {@link System#nanoTime()}. */
    record Claim(long nanos, boolean master) {
    }

    final NetnsLab lab;
    final String host;
    final int priority;
    final int advertMillis;
    /** The virtual address, IPv4 or IPv6: its family is the instance's. */
    final String vip;
    ChildProcess output;
    private final List<Claim> killedAt = new ArrayList<>();
    private final List<ChildProcess> previousOutputs = new ArrayList<>();

    PairNode(NetnsLab lab, String host, int priority, int advertMillis, String vip) {
        this.lab = lab;
        this.host = host;
        this.priority = priority;
        this.advertMillis = advertMillis;
        this.vip = vip;
    }

    /** Starts the router in its host's namespace. */
    abstract ChildProcess launch(List<String> options) throws IOException;

    /** Whether {@code line} says the router became master (TRUE), left master (FALSE), or neither (null). */
    abstract Boolean claim(String line);

    abstract void gracefulStop() throws IOException;

    abstract void kill() throws IOException;

    /** Starts the router with extra options ("nopreempt", "preemptDelayMillis=N"). */
    void start(String... options) throws IOException {
        if (output != null) {
            previousOutputs.add(output);
        }
        output = launch(List.of(options));
    }

    /** Waits until the router says it is master; returns when (nanoTime at read). */
    Optional<Long> awaitMaster(int fromLine, Duration timeout) {
        return output.await(fromLine, l -> Boolean.TRUE.equals(claim(l)), timeout).map(ChildProcess.Line::nanos);
    }

    /** Waits until the router says it entered backup (or fault) state; returns when (nanoTime at read). */
    Optional<Long> awaitBackup(int fromLine, Duration timeout) {
        return output.await(fromLine, this::enteredBackup, timeout).map(ChildProcess.Line::nanos);
    }

    abstract boolean enteredBackup(String line);

    boolean isMaster() {
        List<Claim> c = claims();
        return !c.isEmpty() && c.get(c.size() - 1).master();
    }

    /** Every claim change of every run of this router, in time order, kills included. */
    List<Claim> claims() {
        List<Claim> all = new ArrayList<>(killedAt);
        List<ChildProcess> outputs = new ArrayList<>(previousOutputs);
        if (output != null) {
            outputs.add(output);
        }
        for (ChildProcess o : outputs) {
            for (ChildProcess.Line l : o.lines()) {
                Boolean m = claim(l.text());
                if (m != null) {
                    all.add(new Claim(l.nanos(), m));
                }
            }
        }
        all.sort(java.util.Comparator.comparingLong(Claim::nanos));
        return all;
    }

    void markKilled(long nanos) {
        killedAt.add(new Claim(nanos, false));
    }

    void waitExit(Duration timeout) {
        output.awaitExit(timeout);
    }

    /** lb4j's {@link VrrpNodeMain} in a child JVM started in the namespace with {@code ip netns exec}. */
    static final class Lb4j extends PairNode {

        Lb4j(NetnsLab lab, String host, int priority, int advertMillis) {
            this(lab, host, priority, advertMillis, PairTopology.VIP);
        }

        Lb4j(NetnsLab lab, String host, int priority, int advertMillis, String vip) {
            super(lab, host, priority, advertMillis, vip);
        }

        @Override
        ChildProcess launch(List<String> options) {
            List<String> args = new ArrayList<>(List.of("eth0", "51", Integer.toString(priority),
                    Integer.toString(advertMillis), vip));
            args.addAll(options);
            return lab.host(host).startJava(List.of("-Xmx64m"), VrrpNodeMain.class, args.toArray(String[]::new));
        }

        @Override
        Boolean claim(String line) {
            if (line.startsWith("STATE MASTER")) {
                return true;
            }
            if (line.startsWith("STATE BACKUP") || line.startsWith("STATE INITIALIZE")
                    || line.startsWith("STATE FAULT")) {
                return false;
            }
            return null;
        }

        @Override
        boolean enteredBackup(String line) {
            return line.startsWith("STATE BACKUP") || line.startsWith("STATE FAULT");
        }

        @Override
        void gracefulStop() {
            output.write("stop");
            waitExit(Duration.ofSeconds(10));
        }

        @Override
        void kill() {
            // ip netns exec execs java, so this is the JVM itself: SIGKILL, no priority-0 advert.
            long at = System.nanoTime();
            output.kill();
            markKilled(at);
        }
    }

    /** keepalived 2.x with a generated configuration, VRRP only, in the foreground, logging to the console. */
    static final class Keepalived extends PairNode {

        private Path pidFile;
        private Path vrrpPidFile;

        Keepalived(NetnsLab lab, String host, int priority, int advertMillis) {
            this(lab, host, priority, advertMillis, PairTopology.VIP);
        }

        Keepalived(NetnsLab lab, String host, int priority, int advertMillis, String vip) {
            super(lab, host, priority, advertMillis, vip);
        }

        @Override
        ChildProcess launch(List<String> options) throws IOException {
            boolean nopreempt = options.contains("nopreempt");
            String delay = options.stream().filter(o -> o.startsWith("preemptDelayMillis="))
                    .map(o -> String.format(java.util.Locale.ROOT, "%.3f",
                            Long.parseLong(o.substring(19)) / 1000.0)).findFirst().orElse(null);
            boolean v6 = vip.contains(":");
            // keepalived's unicast_peer: adverts go to the peer only, sourced from this node's address (IPv6: its
            // link-local address, keepalived's default and RFC 5798's).
            String unicast = options.stream().filter(o -> o.startsWith("unicastPeer=")).findFirst()
                    .map(o -> (v6 ? "" : "unicast_src_ip " + PairTopology.SUBNET + (host.equals("a") ? "1" : "2"))
                            + "\n  unicast_peer {\n    " + o.substring("unicastPeer=".length()) + "\n  }")
                    .orElse("");
            // A second instance of the other family with the same VRID on the same interface (RFC 5798: a VRID
            // space per family).
            String also = options.stream().filter(o -> o.startsWith("alsoVip=")).findFirst()
                    .map(o -> o.substring("alsoVip=".length()))
                    .map(a -> """
                            vrrp_instance VI_2 {
                              state BACKUP
                              interface eth0
                              virtual_router_id 51
                              priority %d
                              advert_int %s
                              virtual_ipaddress {
                                %s/%d
                              }
                            }
                            """.formatted(priority, String.format(java.util.Locale.ROOT, "%.2f", advertMillis / 1000.0),
                            a, a.contains(":") ? 128 : 32))
                    .orElse("");
            String conf = """
                    global_defs {
                      router_id %s
                      vrrp_version 3
                      enable_script_security
                    }
                    vrrp_instance VI_1 {
                      state BACKUP
                      interface eth0
                      virtual_router_id 51
                      priority %d
                      advert_int %s
                      %s
                      %s
                      %s
                      virtual_ipaddress {
                        %s/%d
                      }
                    }
                    %s""".formatted(lab.prefix().replace('-', '_') + "_" + host, priority,
                    String.format(java.util.Locale.ROOT, "%.2f", advertMillis / 1000.0),
                    nopreempt ? "nopreempt" : "", delay == null ? "" : "preempt_delay " + delay, unicast,
                    vip, v6 ? 128 : 32, also);
            Path file = lab.directory().resolve("keepalived-" + host + ".conf");
            Files.writeString(file, conf);
            pidFile = lab.directory().resolve("keepalived-" + host + ".pid");
            vrrpPidFile = lab.directory().resolve("vrrp-" + host + ".pid");
            return lab.host(host).start("keepalived", "--dont-fork", "--log-console", "--log-detail", "--vrrp",
                    "--use-file=" + file, "--pid=" + pidFile, "--vrrp_pid=" + vrrpPidFile);
        }

        @Override
        Boolean claim(String line) {
            if (line.contains("Entering MASTER STATE")) {
                return true;
            }
            // "removing VIPs" is logged on leaving master, also on shutdown right after the priority-0 advert.
            if (line.contains("Entering BACKUP STATE") || line.contains("Entering FAULT STATE")
                    || line.contains("removing VIPs")) {
                return false;
            }
            return null;
        }

        @Override
        boolean enteredBackup(String line) {
            return line.contains("Entering BACKUP STATE") || line.contains("Entering FAULT STATE");
        }

        @Override
        void gracefulStop() {
            Command.run("kill", "-TERM", Long.toString(output.pid()));
            waitExit(Duration.ofSeconds(10));
        }

        @Override
        void kill() throws IOException {
            // SIGKILL of the parent alone would make the VRRP child exit gracefully (parent-death signal SIGTERM,
            // priority 0). Freeze the parent so it cannot respawn the child, then kill both.
            String parent = Long.toString(output.pid());
            String child = Files.readString(vrrpPidFile).trim();
            Command.run("kill", "-STOP", parent);
            long at = System.nanoTime();
            Command.run("kill", "-KILL", child, parent);
            markKilled(at);
            waitExit(Duration.ofSeconds(10));
        }

        /** Waits until keepalived wrote its VRRP child's pid (it is up). */
        void awaitRunning(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(vrrpPidFile) || readPid().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("keepalived did not start within " + timeout + ":\n" + output.text());
                }
                Thread.onSpinWait();
                output.await(output.size(), l -> false, Duration.ofMillis(10));
            }
        }

        private String readPid() {
            try {
                return Files.readString(vrrpPidFile).trim();
            } catch (IOException e) {
                return "";
            }
        }
    }
}
