package io.lb4j.ha.interop;

import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
        Optional<String> why = NetnsLab.unavailable("ethtool");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
        assumeTrue(PacketEngine.isAvailable(), () -> "skipped: " + PacketEngine.unavailabilityCause().orElseThrow());
    }

    private static boolean dcmtk() {
        return Command.missing("echoscu", "storescp").isEmpty();
    }

    @Test
    void streamsAndADicomAssociationSurviveKillPreemptionAndGracefulStop() throws Exception {
        NetnsLab lab = PairTopology.pairWithRealServers();
        try (lab) {
            for (String r : List.of("r1", "r2", "f")) {
                ChildProcess server = lab.host(r).startJava(List.of("-Xmx96m"), TestServerMain.class,
                        r.toUpperCase(), Integer.toString(STREAM_PORT));
                assertThat(server.await(0, "READY"::equals, ANSWER)).as(r + " echo server").isPresent();
            }
            boolean dicom = dcmtk();
            if (dicom) {
                lab.host("r1").start("storescp", "-aet", "R1", "104");
                lab.host("r2").start("storescp", "-aet", "R2", "104");
            }
            Node a = new Node(lab, "a", 150, "10.77.0.1", "10.77.0.2");
            Node b = new Node(lab, "b", 100, "10.77.0.2", "10.77.0.1");
            a.start();
            assertThat(a.process.await(0, l -> l.startsWith("STATE MASTER"), ANSWER)).as("A master").isPresent();
            b.start();
            assertThat(b.process.await(0, "STARTED"::equals, ANSWER)).isPresent();

            // Two streams: round robin puts them on different real servers.
            Stream first = new Stream(lab, "s1");
            Stream second = new Stream(lab, "s2");
            assertThat(List.of(first.server, second.server)).containsExactlyInAnyOrder("R1 " + STREAM_PORT,
                    "R2 " + STREAM_PORT);
            ChildProcess echoes = null;
            if (dicom) {
                // One association, C-ECHO after C-ECHO; -v prints a line per response.
                echoes = lab.host("c").start("echoscu", "-v", "-aec", "ANY-SCP", "--repeat", "100000000",
                        PairTopology.VIP, "104");
                assertThat(echoes.await(0, l -> l.contains("Received Echo Response"), ANSWER)).isPresent();
            }
            // Both real servers drained on the master: the service fails over, and a third stream is NATed to the
            // fallback, whose replies come back through the floating gateway the master's engine answers for.
            assertThat(a.ask("drain")).contains("onFallback=true");
            Stream third = new Stream(lab, "s3");
            assertThat(third.server).isEqualTo("F " + STREAM_PORT);
            int flows = dicom ? 4 : 3;
            b.awaitStat("liveFlows", flows);

            // 1. SIGKILL of the master: B takes over with the synced flows.
            int fromB = b.process.size();
            a.process.kill();
            assertThat(b.process.await(fromB, l -> l.startsWith("STATE MASTER"), ANSWER)).as("B master").isPresent();
            assertClientArpPointsAt(lab, "b");
            assertMoving(List.of(first, second, third), echoes, "after SIGKILL of A");

            // 2. A restarts, learns the flows from B's export, preempts (priority 150): back through A.
            a.start();
            assertThat(a.process.await(0, "STARTED"::equals, ANSWER)).isPresent();
            a.awaitStat("liveFlows", flows);
            assertThat(a.process.await(0, l -> l.startsWith("STATE MASTER"), ANSWER)).as("A preempts").isPresent();
            assertClientArpPointsAt(lab, "a");
            assertMoving(List.of(first, second, third), echoes, "after A preempted");

            // 3. Graceful stop of A (priority 0): B again.
            fromB = b.process.size();
            a.write("stop");
            assertThat(a.process.await(0, "STOPPED"::equals, ANSWER)).isPresent();
            assertThat(b.process.await(fromB, l -> l.startsWith("STATE MASTER"), ANSWER)).as("B master").isPresent();
            assertMoving(List.of(first, second, third), echoes, "after A stopped gracefully");

            String stats = b.stats();
            System.out.println("PAIR B " + stats);
            assertThat(stats).as("B:\n" + b.process.text()).contains(" rejected=0").contains("syncRejected=0")
                    .as("B announced the VIP from its engine on each takeover").doesNotContain("garps=0");
            first.stop();
            second.stop();
            third.stop();
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    /**
     * The client's neighbour entry for the VIP moves to the new master's MAC: its engine's gratuitous ARP, since the
     * client sends nothing that would make it ask (polled with a deadline: the GARP follows the state change).
     */
    private static void assertClientArpPointsAt(NetnsLab lab, String host) {
        String mac = lab.host(host).mac();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Optional<String> seen = lab.host("c").neighbour(PairTopology.VIP);
        while (!seen.equals(Optional.of(mac)) && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
            seen = lab.host("c").neighbour(PairTopology.VIP);
        }
        assertThat(seen).as("client's ARP entry for the VIP after the takeover by " + host).contains(mac);
    }

    /** Every stream and the echo loop make progress from now on, over the same connections. */
    private static void assertMoving(List<Stream> streams, ChildProcess echoes, String when) {
        streams.forEach(s -> s.awaitProgress(when));
        if (echoes != null) {
            int from = echoes.size();
            assertThat(echoes.await(from, l -> l.contains("Received Echo Response"), ANSWER))
                    .as("C-ECHO in the same association " + when + ":\n" + tail(echoes)).isPresent();
            assertThat(echoes.lines()).as("echoscu " + when)
                    .noneMatch(l -> l.text().contains("Association Aborted") || l.text().contains("E: "));
        }
    }

    private static String tail(ChildProcess o) {
        List<ChildProcess.Line> lines = o.lines();
        StringBuilder b = new StringBuilder();
        lines.subList(Math.max(0, lines.size() - 10), lines.size()).forEach(l -> b.append(l.text()).append('\n'));
        return b.toString();
    }

    /** One balancer node in a child JVM. */
    private static final class Node {
        final NetnsLab lab;
        final String host;
        final int priority;
        final String self;
        final String peer;
        ChildProcess process;

        Node(NetnsLab lab, String host, int priority, String self, String peer) {
            this.lab = lab;
            this.host = host;
            this.priority = priority;
            this.self = self;
            this.peer = peer;
        }

        void start() {
            process = lab.host(host).startJava(List.of("-Xmx128m"), PacketPairNodeMain.class, "eth0",
                    Integer.toString(priority), Integer.toString(ADVERT_MS), PairTopology.VIP, self, peer,
                    PairTopology.R1, PairTopology.R2, Integer.toString(STREAM_PORT), "104");
        }

        void write(String line) {
            process.write(line);
        }

        /** Sends a command and returns its {@code OK ...} answer. */
        String ask(String command) {
            int from = process.size();
            write(command);
            return process.await(from, l -> l.startsWith("OK "), ANSWER).orElseThrow(
                    () -> new AssertionError(host + " did not answer " + command + ":\n" + process.text())).text();
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
                process.await(process.size(), l -> false, Duration.ofMillis(50)); // paces the polling
            }
            throw new AssertionError(host + ": " + key + " did not reach " + atLeast + " within " + ANSWER
                    + "; last stats: " + last + "\n" + process.text());
        }
    }

    /** A stream client in the client namespace. */
    private static final class Stream {
        final ChildProcess process;
        final String server;
        final String name;

        Stream(NetnsLab lab, String name) {
            this.name = name;
            process = lab.host("c").startJava(List.of("-Xmx64m"), StreamClientMain.class, PairTopology.VIP,
                    Integer.toString(STREAM_PORT));
            server = process.await(0, l -> l.startsWith("CONNECTED ") || l.startsWith("BROKEN"), ANSWER)
                    .orElseThrow(() -> new AssertionError(name + " did not connect:\n" + process.text())).text()
                    .substring("CONNECTED ".length());
            awaitProgress("at start");
        }

        /** Two more progress lines from now on (100 blocks echoed byte-exact), and never broken. */
        void awaitProgress(String when) {
            int from = process.size();
            Optional<ChildProcess.Line> second = process.await(from, l -> l.startsWith("PROGRESS"), ANSWER)
                    .flatMap(l -> process.await(process.lines().indexOf(l) + 1,
                            x -> x.startsWith("PROGRESS") || x.startsWith("BROKEN"), ANSWER));
            assertThat(second).as(name + " " + when + ":\n" + process.text()).isPresent();
            assertThat(process.lines()).as(name + " " + when).noneMatch(l -> l.text().startsWith("BROKEN"));
        }

        void stop() {
            process.write("stop");
            assertThat(process.await(0, l -> l.startsWith("DONE"), ANSWER)).as(name + " stops cleanly").isPresent();
            assertThat(process.lines()).noneMatch(l -> l.text().startsWith("CONNECTED ") && !l.text()
                    .equals("CONNECTED " + server));
        }
    }
}
