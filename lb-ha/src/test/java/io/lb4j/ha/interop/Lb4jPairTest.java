package io.lb4j.ha.interop;

import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** lb4j on both sides of the pair, in network namespaces, adverts every 500 ms. */
class Lb4jPairTest {

    private static final int ADVERT_MS = Integer.getInteger("lb4j.ha.interopAdvertMillis", 500);

    /** A bound for waits that must succeed: ample at any advert interval, so only a real failure times out. */
    private static java.time.Duration generous() {
        return java.time.Duration.ofMillis(Math.max(10_000, 10L * ADVERT_MS));
    }

    @BeforeAll
    static void requireRoot() {
        Optional<String> why = NetnsLab.unavailable("tcpdump");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    @Test
    void twoLb4jNodesHandTheVipOverOnKillAndOnGracefulStop() throws Exception {
        NetnsLab lab = PairTopology.pair();
        try (lab) {
            PairNode.Lb4j a = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS);
            PairNode.Lb4j b = new PairNode.Lb4j(lab, "b", 100, ADVERT_MS);
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            ChildProcess vipOnA = lab.host("a").watchAddresses();
            a.start();
            assertThat(a.awaitMaster(0, generous())).isPresent();
            b.start();
            assertThat(b.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            assertThat(b.awaitMaster(0, Duration.ofMillis(5 * ADVERT_MS))).isEmpty();

            // SIGKILL of A: B owns the VIP within its Master_Down_Interval + 20 %.
            int from = vipOnB.size();
            long killedAt = System.nanoTime();
            a.kill();
            long mdi = 3L * ADVERT_MS * 1_000_000 + (256L - 100) * ADVERT_MS * 1_000_000 / 256;
            long takeover = vipOnB.await(from, PairTopology::vipAdded, generous()).orElseThrow().nanos()
                    - killedAt;
            System.out.printf("TAKEOVER %-55s %7.1f ms (limit %7.1f ms)%n", "SIGKILL lb4j -> lb4j (prio 100)",
                    takeover / 1e6, mdi * 1.2 / 1e6);
            assertThat(takeover).isLessThanOrEqualTo(mdi * 12 / 10);

            // A restarts (releasing the VIP the crash left behind) and preempts; then stops gracefully.
            int fromA = vipOnA.size();
            a.start();
            assertThat(a.awaitMaster(0, generous())).isPresent();
            assertThat(vipOnA.await(fromA, PairTopology::vipAdded, generous())).isPresent();
            assertThat(b.awaitBackup(0, generous())).isPresent();
            from = vipOnB.size();
            ChildProcess sniffer = lab.host("c").tcpdump("ip proto 112");
            a.gracefulStop();
            long skew = (256L - 100) * ADVERT_MS * 1_000_000 / 256;
            long priorityZero = sniffer.await(0, l -> l.contains("prio 0,"), generous()).orElseThrow()
                    .nanos();
            long handover = vipOnB.await(from, PairTopology::vipAdded, generous()).orElseThrow().nanos()
                    - priorityZero;
            System.out.printf("TAKEOVER %-55s %7.1f ms (limit %7.1f ms)%n", "lb4j graceful stop -> lb4j (prio 100), from prio 0",
                    handover / 1e6, skew * 1.2 / 1e6);
            assertThat(handover).isLessThanOrEqualTo(skew * 12 / 10);
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isFalse();
        }
        assertThat(lab.leftovers()).isEmpty();
    }
}
