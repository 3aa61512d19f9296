package io.lb4j.ha.interop;

import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * lb4j and keepalived 2.x ({@code vrrp_version 3}) as one pair, same VRID 51, in network namespaces on a bridge of
 * their own; adverts every 500 ms. Takeover times are measured from the instant the test kills or stops the master
 * to the instant {@code ip monitor} in the other node's namespace reports the VIP added, and printed as
 * {@code TAKEOVER ...} lines (quoted in README-ha.md).
 */
class KeepalivedInteropTest {

    private static final int ADVERT_MS = Integer.getInteger("lb4j.ha.interopAdvertMillis", 500);

    /** A bound for waits that must succeed: ample at any advert interval, so only a real failure times out. */
    private static java.time.Duration generous() {
        return java.time.Duration.ofMillis(Math.max(10_000, 10L * ADVERT_MS));
    }
    private static final List<NetnsLab> LABS = new ArrayList<>();

    @BeforeAll
    static void requireRootAndKeepalived() {
        Optional<String> why = NetnsLab.unavailable("keepalived", "tcpdump", "bash");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    @AfterAll
    static void everyNamespaceIsGone() {
        for (NetnsLab lab : LABS) {
            assertThat(lab.leftovers()).as("namespaces left by " + lab.prefix()).isEmpty();
        }
    }

    private static NetnsLab lab() {
        NetnsLab lab = PairTopology.pair();
        LABS.add(lab);
        return lab;
    }

    /** Master_Down_Interval of a backup of {@code priority} with the master advertising every ADVERT_MS. */
    private static long masterDownNanos(int priority) {
        return 3L * ADVERT_MS * 1_000_000L + skewNanos(priority);
    }

    private static long skewNanos(int priority) {
        return (256L - priority) * ADVERT_MS * 1_000_000L / 256;
    }

    private static long awaitVip(ChildProcess watch, int from, Duration timeout) {
        return watch.await(from, PairTopology::vipAdded, timeout).map(ChildProcess.Line::nanos)
                .orElseThrow(() -> new AssertionError("VIP not added within " + timeout + "; monitor:\n"
                        + watch.text()));
    }

    /** When the client namespace saw the first priority-0 advert. */
    private static long priorityZeroSeen(ChildProcess sniffer) {
        return sniffer.await(0, l -> l.contains("prio 0,"), generous()).map(ChildProcess.Line::nanos)
                .orElseThrow(() -> new AssertionError("no priority-0 advert seen:\n" + sniffer.text()));
    }

    private static void report(String what, long nanos, long limitNanos) {
        System.out.printf("TAKEOVER %-55s %7.1f ms (limit %7.1f ms)%n", what, nanos / 1e6, limitNanos / 1e6);
    }

    private static void awaitClientArp(NetnsLab lab, String mac) {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        Optional<String> seen = lab.host("c").neighbour(PairTopology.VIP);
        while (!seen.equals(Optional.of(mac)) && System.nanoTime() < deadline) {
            seen = lab.host("c").neighbour(PairTopology.VIP);
        }
        assertThat(seen).as("client's ARP entry for the VIP").contains(mac);
    }

    @Test
    void eachBecomesMasterInTurnAndTheClientsArpEntryFollowsByGratuitousArp() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS);
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS);
            ChildProcess vipOnB = lab.host("b").watchAddresses();

            // 1. keepalived alone becomes master; the client resolves the VIP to B.
            keepalived.start();
            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            awaitVip(vipOnB, 0, generous());
            PairTopology.clientTouchesVip(lab);
            assertThat(lab.host("c").neighbour(PairTopology.VIP)).contains(lab.host("b").mac());

            // 2. lb4j (150) starts and preempts keepalived (100); keepalived removes the VIP, lb4j adds it, and the
            //    client's entry moves to A by gratuitous ARP alone (the client sends nothing).
            ChildProcess vipOnA = lab.host("a").watchAddresses();
            lb4j.start();
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            assertThat(keepalived.awaitBackup(0, generous())).isPresent();
            awaitVip(vipOnA, 0, generous());
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isTrue();
            assertThat(lab.host("b").hasAddress(PairTopology.VIP)).isFalse();
            awaitClientArp(lab, lab.host("a").mac());

            // 3. lb4j stops gracefully: priority 0, keepalived takes over after its Skew_Time.
            ChildProcess sniffer = lab.host("c").tcpdump("ip proto 112");
            int from = vipOnB.size();
            long stopAt = System.nanoTime();
            lb4j.gracefulStop();
            long vipAt = awaitVip(vipOnB, from, generous());
            long takeover = vipAt - priorityZeroSeen(sniffer);
            long limit = skewNanos(100) * 12 / 10;
            report("lb4j graceful stop -> keepalived (prio 100), from prio 0", takeover, limit);
            report("lb4j graceful stop -> keepalived (prio 100), from stop", vipAt - stopAt, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isFalse();
            awaitClientArp(lab, lab.host("b").mac());
        }
    }

    @Test
    void sigkillOfLb4jMasterHandsTheVipToKeepalivedWithinMasterDownInterval() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS);
            lb4j.start();
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            keepalived.start();
            keepalived.awaitRunning(generous());
            // keepalived must have heard lb4j: give it two intervals, then it must still be backup.
            assertThat(keepalived.awaitMaster(0, Duration.ofMillis(3 * ADVERT_MS))).isEmpty();
            int from = vipOnB.size();

            long killedAt = System.nanoTime();
            lb4j.kill();

            long takeover = awaitVip(vipOnB, from, generous()) - killedAt;
            long limit = masterDownNanos(100) * 12 / 10;
            report("SIGKILL lb4j -> keepalived (prio 100)", takeover, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);
            PairTopology.clientTouchesVip(lab);
            assertThat(lab.host("c").neighbour(PairTopology.VIP)).contains(lab.host("b").mac());
        }
    }

    @Test
    void sigkillOfKeepalivedMasterHandsTheVipToLb4jWithinMasterDownInterval() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 150, ADVERT_MS);
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 100, ADVERT_MS);
            keepalived.start();
            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnA = lab.host("a").watchAddresses();
            lb4j.start();
            assertThat(lb4j.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            assertThat(lb4j.awaitMaster(0, Duration.ofMillis(5 * ADVERT_MS))).isEmpty();
            PairTopology.clientTouchesVip(lab);
            assertThat(lab.host("c").neighbour(PairTopology.VIP)).contains(lab.host("b").mac());
            int from = vipOnA.size();

            long killedAt = System.nanoTime();
            keepalived.kill();

            long takeover = awaitVip(vipOnA, from, generous()) - killedAt;
            long limit = masterDownNanos(100) * 12 / 10;
            report("SIGKILL keepalived -> lb4j (prio 100)", takeover, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);
            // The owner adds the VIP before the process prints its state change: wait for the line, not race it.
            assertThat(lb4j.awaitMaster(0, generous())).as("lb4j says it is master").isPresent();
            // Gratuitous ARP: the client's entry moved to A without the client asking (the dead B kept its VIP).
            awaitClientArp(lab, lab.host("a").mac());
        }
    }

    @Test
    void gracefulStopOfKeepalivedHandsTheVipToLb4jWithinSkewTime() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 150, ADVERT_MS);
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 100, ADVERT_MS);
            keepalived.start();
            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnA = lab.host("a").watchAddresses();
            lb4j.start();
            assertThat(lb4j.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            assertThat(lb4j.awaitMaster(0, Duration.ofMillis(5 * ADVERT_MS))).isEmpty();
            int from = vipOnA.size();
            ChildProcess sniffer = lab.host("c").tcpdump("ip proto 112");

            long stopAt = System.nanoTime();
            keepalived.gracefulStop();

            // keepalived takes a few tens of ms from SIGTERM to its priority-0 advert; Skew_Time counts from that.
            long vipAt = awaitVip(vipOnA, from, generous());
            long takeover = vipAt - priorityZeroSeen(sniffer);
            long limit = skewNanos(100) * 12 / 10;
            report("keepalived graceful stop -> lb4j (prio 100), from prio 0", takeover, limit);
            report("keepalived graceful stop -> lb4j (prio 100), from SIGTERM", vipAt - stopAt, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);
            assertThat(lb4j.output.lines()).extracting(ChildProcess.Line::text).contains("STATE MASTER MASTER_RESIGNED");
        }
    }

    @Test
    void keepalivedWithHigherPriorityPreemptsAnLb4jMaster() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 100, ADVERT_MS);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 150, ADVERT_MS);
            lb4j.start();
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();

            keepalived.start();

            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            assertThat(lb4j.awaitBackup(2, generous())).isPresent();
            assertThat(lb4j.output.lines()).extracting(ChildProcess.Line::text)
                    .contains("STATE BACKUP HIGHER_PRIORITY_SEEN");
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isFalse();
        }
    }

    @Test
    void nopreemptOnEitherSideLeavesTheLiveLowerPriorityMasterInPlace() throws Exception {
        try (NetnsLab lab = lab()) {
            // keepalived nopreempt (150) joins a live lb4j master (100): stays backup.
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 100, ADVERT_MS);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 150, ADVERT_MS);
            lb4j.start();
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            keepalived.start("nopreempt");
            keepalived.awaitRunning(generous());
            Duration watch = Duration.ofNanos(2 * masterDownNanos(150));
            assertThat(keepalived.awaitMaster(0, watch)).as("keepalived nopreempt took over").isEmpty();
            assertThat(lb4j.isMaster()).isTrue();
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isTrue();

            // lb4j leaves; keepalived takes over; lb4j comes back with nopreempt at 200: stays backup.
            lb4j.gracefulStop();
            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            PairNode.Lb4j lb4jHigh = new PairNode.Lb4j(lab, "a", 200, ADVERT_MS);
            lb4jHigh.start("nopreempt");
            assertThat(lb4jHigh.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            assertThat(lb4jHigh.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(200))))
                    .as("lb4j nopreempt took over").isEmpty();
            assertThat(keepalived.isMaster()).isTrue();
            assertThat(lab.host("b").hasAddress(PairTopology.VIP)).isTrue();
        }
    }

    @Test
    void withUnicastPeersEachAcceptsTheOthersAdvertsAndKeepalivedTakesOverOnSigkill() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS);
            ChildProcess sniffer = lab.host("c").tcpdump("ip proto 112"); // the client sees every multicast advert on the bridge
            lb4j.start("unicastPeer=" + PairTopology.SUBNET + "2");
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            keepalived.start("unicastPeer=" + PairTopology.SUBNET + "1");
            keepalived.awaitRunning(generous());
            // keepalived accepts lb4j's unicast adverts (checksum over the peer's address): it stays backup.
            assertThat(keepalived.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(100))))
                    .as("keepalived took over from a live unicast lb4j master").isEmpty();
            int from = vipOnB.size();

            long killedAt = System.nanoTime();
            lb4j.kill();

            long takeover = awaitVip(vipOnB, from, generous()) - killedAt;
            long limit = masterDownNanos(100) * 12 / 10;
            report("SIGKILL lb4j -> keepalived, unicast (prio 100)", takeover, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);

            // And the other way: a lower-priority lb4j accepts keepalived's unicast adverts and stays backup.
            PairNode.Lb4j lower = new PairNode.Lb4j(lab, "a", 50, ADVERT_MS);
            lower.start("unicastPeer=" + PairTopology.SUBNET + "2");
            assertThat(lower.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            assertThat(lower.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(50))))
                    .as("lb4j took over from a live unicast keepalived master").isEmpty();
            assertThat(keepalived.isMaster()).isTrue();
            assertThat(sniffer.lines()).extracting(ChildProcess.Line::text)
                    .as("no advert went to the multicast group").noneMatch(l -> l.contains("224.0.0.18"));
        }
    }
}
