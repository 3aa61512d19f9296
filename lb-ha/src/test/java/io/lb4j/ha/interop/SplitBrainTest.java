package io.lb4j.ha.interop;

import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Induced failovers between lb4j (priority 150) and keepalived (priority 100), adverts every 100 ms, cycling through
 * SIGKILL + restart of the lb4j master, graceful stop + restart, and link down/up of lb4j's veth (its bridge port).
 * Both routers' claims to mastership are timestamped as the test reads them; the test asserts that outside a
 * partition two masters never coexist for longer than one advert interval, and counts what it saw. A partition lasts
 * from link down until the link carries frames again (the first lb4j advert that tcpdump on the bridge sees after
 * link up). lb4j, like keepalived, enters FAULT when its own link loses carrier, so it claims nothing while cut off
 * (the test asserts it) and preempts as a backup once the link is back; a two-master window inside a partition is
 * still not counted against the limit (a router cut off without losing carrier could not know). The longest window
 * counted from the link-up command instead (which adds the time the veth and bridge port take to forward again) is
 * printed too.
 *
 * <p>Iterations: {@code -Dlb4j.ha.splitBrainIterations=N}, default 12 (about 20 s) to keep the module's tests
 * short; README-ha.md quotes a 100-iteration run.
 */
class SplitBrainTest {

    private static final int ADVERT_MS = 100;

    @BeforeAll
    static void requireRootAndKeepalived() {
        Optional<String> why = NetnsLab.unavailable("keepalived", "tcpdump");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    record Window(long from, long to) {
        long nanos() {
            return to - from;
        }
    }

    @Test
    void inducedFailoversNeverLeaveTwoMastersForLongerThanOneAdvertInterval() throws Exception {
        int iterations = Integer.getInteger("lb4j.ha.splitBrainIterations", 12);
        int failovers = 0;
        List<Window> partitions = new ArrayList<>();
        List<Window> linkUpCommands = new ArrayList<>();
        List<Window> overlaps;
        NetnsLab lab = PairTopology.pair();
        try (lab) {
            PairNode.Lb4j a = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS);
            PairNode.Keepalived b = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS);
            ChildProcess sniffer = lab.host("c").tcpdump("ip proto 112");
            b.start();
            assertThat(b.awaitMaster(0, Duration.ofSeconds(5))).isPresent();
            restart(a, b);

            for (int i = 0; i < iterations; i++) {
                int from = b.output.size();
                int fromA = a.output.size();
                System.out.printf("ACTION %.3f iteration %d kind %d%n", (System.nanoTime() % 100_000_000_000L) / 1e9,
                        i, i % 3);
                switch (i % 3) {
                    case 0 -> a.kill();
                    case 1 -> a.gracefulStop();
                    default -> lab.host("a").link(false);
                }
                long down = System.nanoTime();
                assertThat(b.awaitMaster(from, Duration.ofSeconds(3)))
                        .as("iteration %d: keepalived took over; keepalived:%n%s%nlb4j:%n%s", i, b.output.text(),
                                a.output.text()).isPresent();
                failovers++;
                if (i % 3 == 2) {
                    // lb4j noticed its lost carrier (within its 100 ms link check) and claims nothing meanwhile.
                    assertThat(a.output.await(fromA, l -> l.startsWith("STATE FAULT LINK_DOWN"),
                            Duration.ofSeconds(3))).as("iteration %d: lb4j entered FAULT", i).isPresent();
                    int sniffed = sniffer.size();
                    int linkUpFromA = a.output.size();
                    lab.host("a").link(true);
                    long up = System.nanoTime();
                    System.out.printf("ACTION %.3f link up%n", (up % 100_000_000_000L) / 1e9);
                    // The partition ends when the link carries frames again: the first advert of lb4j's that the
                    // client (on the bridge) sees. Until then neither router can hear the other.
                    long heard = sniffer.await(sniffed, l -> l.contains("IP 10.77.0.1 > "), Duration.ofSeconds(3))
                            .map(ChildProcess.Line::nanos).orElse(up);
                    partitions.add(new Window(down, Math.max(up, heard)));
                    linkUpCommands.add(new Window(down, up));
                    // Back from FAULT as backup, lb4j preempts keepalived after its Master_Down_Interval.
                    assertThat(a.awaitMaster(linkUpFromA, Duration.ofSeconds(3))).as("iteration %d: lb4j preempted", i)
                            .isPresent();
                    assertThat(b.awaitBackup(from, Duration.ofSeconds(3))).as("iteration %d: keepalived yielded", i)
                            .isPresent();
                } else {
                    restart(a, b);
                }
                failovers++;
            }
            overlaps = overlaps(a.claims(), b.claims());
            assertThat(a.isMaster()).isTrue();
            assertThat(b.isMaster()).isFalse();
        }
        assertThat(lab.leftovers()).isEmpty();

        for (Window o : overlaps) {
            long out = outside(o, partitions);
            if (out > ADVERT_MS * 1_000_000L / 2) {
                System.out.printf("WINDOW %.3f-%.3f %.1f ms outside partitions%n", (o.from() % 100_000_000_000L) / 1e9,
                        (o.to() % 100_000_000_000L) / 1e9, out / 1e6);
            }
        }
        List<Long> outsidePartitions = overlaps.stream().map(o -> outside(o, partitions)).filter(n -> n > 0).toList();
        long max = outsidePartitions.stream().mapToLong(Long::longValue).max().orElse(0);
        long maxFromLinkUpCommand = overlaps.stream().mapToLong(o -> outside(o, linkUpCommands)).max().orElse(0);
        System.out.printf("SPLITBRAIN longest two-master window counted from the link-up command instead: %.1f ms%n",
                maxFromLinkUpCommand / 1e6);
        System.out.printf("SPLITBRAIN iterations=%d failovers=%d partitions=%d two-master windows=%d "
                        + "(outside partitions: %d, longest %.1f ms; limit %d ms)%n", iterations, failovers,
                partitions.size(), overlaps.size(), outsidePartitions.size(), max / 1e6, ADVERT_MS);
        assertThat(failovers).isEqualTo(2 * iterations);
        assertThat(max).as("longest two-master window outside a partition").isLessThanOrEqualTo(ADVERT_MS * 1_000_000L);
    }

    /** Restarts lb4j (150) and waits until it has preempted keepalived. */
    private static void restart(PairNode.Lb4j a, PairNode.Keepalived b) throws Exception {
        int from = b.output.size();
        a.start();
        assertThat(a.awaitMaster(0, Duration.ofSeconds(10))).as("lb4j became master again").isPresent();
        assertThat(b.awaitBackup(from, Duration.ofSeconds(3))).as("keepalived yielded").isPresent();
    }

    /** The windows in which both claimed to be master. */
    static List<Window> overlaps(List<PairNode.Claim> a, List<PairNode.Claim> b) {
        record Tagged(long nanos, int node, boolean master) {
        }
        List<Tagged> all = new ArrayList<>();
        a.forEach(c -> all.add(new Tagged(c.nanos(), 0, c.master())));
        b.forEach(c -> all.add(new Tagged(c.nanos(), 1, c.master())));
        all.sort(Comparator.comparingLong(Tagged::nanos));
        boolean[] master = new boolean[2];
        List<Window> windows = new ArrayList<>();
        long start = -1;
        for (Tagged t : all) {
            master[t.node()] = t.master();
            boolean both = master[0] && master[1];
            if (both && start < 0) {
                start = t.nanos();
            } else if (!both && start >= 0) {
                windows.add(new Window(start, t.nanos()));
                start = -1;
            }
        }
        return windows;
    }

    /** The part of {@code w} outside every partition window. */
    static long outside(Window w, List<Window> partitions) {
        long n = w.nanos();
        for (Window p : partitions) {
            long from = Math.max(w.from(), p.from());
            long to = Math.min(w.to(), p.to());
            if (to > from) {
                n -= to - from;
            }
        }
        return n;
    }
}
