package io.lb4j.ha.interop;

import io.lb4j.engine.packet.PacketEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Connections survive a balancer takeover: two lb4j nodes with packet engines in direct-routing mode, VRRP between
 * them, flow-state sync, two real servers, a MASQ fallback, a client, each in its own network namespace. Two
 * long-running TCP streams (one on each real server: round robin), a DICOM C-ECHO loop in one association (DCMTK
 * {@code echoscu --repeat} against {@code storescp}) and, after both real servers are drained on the master, a third
 * stream NATed to the fallback (whose replies return through a floating gateway address that VRRP moves with the
 * VIP) run through the VIP while the master is SIGKILLed, restarts and
 * preempts (its flows learned back from the peer's export), and is stopped gracefully. Each stream must stay on
 * its real server, byte-exact, and keep moving after every takeover; the association must keep answering. Without
 * flow sync the new master would drop every segment of these connections (no flow: IPVS behaviour), as
 * {@code FlowSyncTest} shows at the packet-path level.
 */
class PacketPairTakeoverTest {

    private static final int ADVERT_MS = 100;
    private static final int STREAM_PORT = 5000;
    private static final Duration ANSWER = Duration.ofSeconds(20);

    @BeforeAll
    static void requireLab() {
        Optional<String> why = NetnsLab.unavailable().or(NetnsLab::ethtoolUnavailable);
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
        assumeTrue(PacketEngine.isAvailable(), () -> "skipped: " + PacketEngine.unavailabilityCause().orElseThrow());
    }

    private static boolean dcmtk() {
        return Files.isExecutable(Path.of("/usr/bin/echoscu")) && Files.isExecutable(Path.of("/usr/bin/storescp"));
    }

    @Test
    void streamsAndADicomAssociationSurviveKillPreemptionAndGracefulStop() throws Exception {
        String prefix;
        try (NetnsLab lab = new NetnsLab(true)) {
            prefix = lab.prefix;
            for (String r : List.of("r1", "r2", "f")) {
                NetnsLab.Output server = child(lab, r, EchoServerMain.class, r.toUpperCase(),
                        Integer.toString(STREAM_PORT));
                assertThat(server.await(0, "READY"::equals, ANSWER)).as(r + " echo server").isPresent();
            }
            boolean dicom = dcmtk();
            if (dicom) {
                lab.start(List.of("ip", "netns", "exec", lab.ns("r1"), "storescp", "-aet", "R1", "104"));
                lab.start(List.of("ip", "netns", "exec", lab.ns("r2"), "storescp", "-aet", "R2", "104"));
            }
            Node a = new Node(lab, "a", 150, "10.77.0.1", "10.77.0.2");
            Node b = new Node(lab, "b", 100, "10.77.0.2", "10.77.0.1");
            a.start();
            assertThat(a.output.await(0, l -> l.startsWith("STATE MASTER"), ANSWER)).as("A master").isPresent();
            b.start();
            assertThat(b.output.await(0, "STARTED"::equals, ANSWER)).isPresent();

            // Two streams: round robin puts them on different real servers.
            Stream first = new Stream(lab, "s1");
            Stream second = new Stream(lab, "s2");
            assertThat(List.of(first.server, second.server)).containsExactlyInAnyOrder("R1", "R2");
            NetnsLab.Output echoes = null;
            if (dicom) {
                // One association, C-ECHO after C-ECHO; -v prints a line per response.
                echoes = new NetnsLab.Output(lab.start(List.of("ip", "netns", "exec", lab.ns("c"), "echoscu", "-v",
                        "-aec", "ANY-SCP", "--repeat", "100000000", NetnsLab.VIP, "104")), "echoscu");
                assertThat(echoes.await(0, l -> l.contains("Received Echo Response"), ANSWER)).isPresent();
            }
            // Both real servers drained on the master: the service fails over, and a third stream is NATed to the
            // fallback, whose replies come back through the floating gateway the master's engine answers for.
            assertThat(a.ask("drain")).contains("onFallback=true");
            Stream third = new Stream(lab, "s3");
            assertThat(third.server).isEqualTo("F");
            int flows = dicom ? 4 : 3;
            b.awaitStat("liveFlows", flows);

            // 1. SIGKILL of the master: B takes over with the synced flows.
            int fromB = b.output.size();
            a.process.destroyForcibly();
            a.process.waitFor();
            assertThat(b.output.await(fromB, l -> l.startsWith("STATE MASTER"), ANSWER)).as("B master").isPresent();
            assertClientArpPointsAt(lab, "b");
            assertMoving(List.of(first, second, third), echoes, "after SIGKILL of A");

            // 2. A restarts, learns the flows from B's export, preempts (priority 150): back through A.
            a.start();
            assertThat(a.output.await(0, "STARTED"::equals, ANSWER)).isPresent();
            a.awaitStat("liveFlows", flows);
            assertThat(a.output.await(0, l -> l.startsWith("STATE MASTER"), ANSWER)).as("A preempts").isPresent();
            assertClientArpPointsAt(lab, "a");
            assertMoving(List.of(first, second, third), echoes, "after A preempted");

            // 3. Graceful stop of A (priority 0): B again.
            fromB = b.output.size();
            a.write("stop");
            assertThat(a.output.await(0, "STOPPED"::equals, ANSWER)).isPresent();
            assertThat(b.output.await(fromB, l -> l.startsWith("STATE MASTER"), ANSWER)).as("B master").isPresent();
            assertMoving(List.of(first, second, third), echoes, "after A stopped gracefully");

            String stats = b.stats();
            System.out.println("PAIR B " + stats);
            assertThat(stats).as("B:\n" + b.output.text()).contains(" rejected=0").contains("syncRejected=0")
                    .as("B announced the VIP from its engine on each takeover").doesNotContain("garps=0");
            first.stop();
            second.stop();
            third.stop();
        }
        assertThat(NetnsLab.namespacesStartingWith(prefix)).isEmpty();
    }

    /**
     * The client's neighbour entry for the VIP moves to the new master's MAC: its engine's gratuitous ARP, since the
     * client sends nothing that would make it ask (polled with a deadline: the GARP follows the state change).
     */
    private static void assertClientArpPointsAt(NetnsLab lab, String host) throws IOException {
        String mac = lab.mac(host);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Optional<String> seen = lab.clientArpForVip();
        while (!seen.equals(Optional.of(mac)) && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
            seen = lab.clientArpForVip();
        }
        assertThat(seen).as("client's ARP entry for the VIP after the takeover by " + host).contains(mac);
    }

    /** Every stream and the echo loop make progress from now on, over the same connections. */
    private static void assertMoving(List<Stream> streams, NetnsLab.Output echoes, String when) {
        streams.forEach(s -> s.awaitProgress(when));
        if (echoes != null) {
            int from = echoes.size();
            assertThat(echoes.await(from, l -> l.contains("Received Echo Response"), ANSWER))
                    .as("C-ECHO in the same association " + when + ":\n" + tail(echoes)).isPresent();
            assertThat(echoes.lines()).as("echoscu " + when)
                    .noneMatch(l -> l.text().contains("Association Aborted") || l.text().contains("E: "));
        }
    }

    private static String tail(NetnsLab.Output o) {
        List<NetnsLab.Output.Line> lines = o.lines();
        StringBuilder b = new StringBuilder();
        lines.subList(Math.max(0, lines.size() - 10), lines.size()).forEach(l -> b.append(l.text()).append('\n'));
        return b.toString();
    }

    private static NetnsLab.Output child(NetnsLab lab, String host, Class<?> main, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns(host), java(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        Process p = lab.start(command);
        return new NetnsLab.Output(p, host + "-" + main.getSimpleName());
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** One balancer node in a child JVM. */
    private static final class Node {
        final NetnsLab lab;
        final String host;
        final int priority;
        final String self;
        final String peer;
        Process process;
        NetnsLab.Output output;

        Node(NetnsLab lab, String host, int priority, String self, String peer) {
            this.lab = lab;
            this.host = host;
            this.priority = priority;
            this.self = self;
            this.peer = peer;
        }

        void start() throws IOException {
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns(host), java(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                    PacketPairNodeMain.class.getName(), "eth0", Integer.toString(priority),
                    Integer.toString(ADVERT_MS), NetnsLab.VIP, self, peer, "10.77.0.110", "10.77.0.111",
                    Integer.toString(STREAM_PORT), "104"));
            process = lab.start(command);
            output = new NetnsLab.Output(process, host + "-node");
        }

        void write(String line) {
            NetnsLab.write(process, line);
        }

        /** Sends a command and returns its {@code OK ...} answer. */
        String ask(String command) {
            int from = output.size();
            write(command);
            return output.await(from, l -> l.startsWith("OK "), ANSWER).orElseThrow(
                    () -> new AssertionError(host + " did not answer " + command + ":\n" + output.text())).text();
        }

        String stats() {
            return ask("stats");
        }

        /** Polls the node's stats until {@code key} reaches {@code atLeast}. */
        void awaitStat(String key, long atLeast) {
            long deadline = System.nanoTime() + ANSWER.toNanos();
            String last = "";
            while (System.nanoTime() - deadline < 0) {
                last = stats();
                for (String field : last.split(" ")) {
                    if (field.startsWith(key + "=") && Long.parseLong(field.substring(key.length() + 1)) >= atLeast) {
                        return;
                    }
                }
                output.await(output.size(), l -> false, Duration.ofMillis(50)); // paces the polling
            }
            throw new AssertionError(host + ": " + key + " did not reach " + atLeast + " within " + ANSWER
                    + "; last stats: " + last + "\n" + output.text());
        }
    }

    /** A stream client in the client namespace. */
    private static final class Stream {
        final Process process;
        final NetnsLab.Output output;
        final String server;
        final String name;

        Stream(NetnsLab lab, String name) throws IOException {
            this.name = name;
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns("c"), java(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-cp",
                    System.getProperty("java.class.path"), StreamClientMain.class.getName(), NetnsLab.VIP,
                    Integer.toString(STREAM_PORT)));
            process = lab.start(command);
            output = new NetnsLab.Output(process, name);
            server = output.await(0, l -> l.startsWith("CONNECTED ") || l.startsWith("BROKEN"), ANSWER)
                    .orElseThrow(() -> new AssertionError(name + " did not connect:\n" + output.text())).text()
                    .substring("CONNECTED ".length());
            awaitProgress("at start");
        }

        /** Two more progress lines from now on (100 blocks echoed byte-exact), and never broken. */
        void awaitProgress(String when) {
            int from = output.size();
            Optional<NetnsLab.Output.Line> second = output.await(from, l -> l.startsWith("PROGRESS"), ANSWER)
                    .flatMap(l -> output.await(output.lines().indexOf(l) + 1,
                            x -> x.startsWith("PROGRESS") || x.startsWith("BROKEN"), ANSWER));
            assertThat(second).as(name + " " + when + ":\n" + output.text()).isPresent();
            assertThat(output.lines()).as(name + " " + when).noneMatch(l -> l.text().startsWith("BROKEN"));
        }

        void stop() {
            NetnsLab.write(process, "stop");
            assertThat(output.await(0, l -> l.startsWith("DONE"), ANSWER)).as(name + " stops cleanly").isPresent();
            assertThat(output.lines()).noneMatch(l -> l.text().startsWith("CONNECTED ") && !l.text()
                    .equals("CONNECTED " + server));
        }
    }
}
