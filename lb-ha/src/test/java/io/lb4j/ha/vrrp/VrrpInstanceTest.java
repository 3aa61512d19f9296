package io.lb4j.ha.vrrp;

import io.lb4j.ha.vrrp.event.HaEvent;
import io.lb4j.ha.vrrp.event.MasterAdvertIntervalChanged;
import io.lb4j.ha.vrrp.event.StateChanged;
import io.lb4j.ha.vrrp.event.TransitionReason;
import io.lb4j.ha.vrrp.internal.VrrpAdvert;
import io.lb4j.ha.vrrp.internal.VrrpCodec;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.lb4j.ha.vrrp.VirtualLan.ipPacket;
import static io.lb4j.ha.vrrp.VirtualLan.ipv4;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RFC 5798 state machine with virtual time: every takeover happens at the exact instant the RFC (and
 * keepalived's documentation, for its extensions) says.
 */
class VrrpInstanceTest {

    private final VirtualClock clock = new VirtualClock();
    private final VirtualLan lan = new VirtualLan(clock);

    private VrrpInstance.Builder router(VirtualLan.Node node, int priority) {
        return VrrpInstance.builder().vrid(51).priority(priority).advertInterval(Duration.ofSeconds(1))
                .virtualAddress("10.0.0.100").transport(node).clock(clock);
    }

    private static List<StateChanged> transitions(VrrpInstance instance) {
        return instance.history().stream().filter(StateChanged.class::isInstance).map(StateChanged.class::cast)
                .toList();
    }

    private static StateChanged last(VrrpInstance instance) {
        List<StateChanged> t = transitions(instance);
        return t.get(t.size() - 1);
    }

    private static long nanos(StateChanged e) {
        return Duration.between(java.time.Instant.EPOCH, e.at()).toNanos();
    }

    @Test
    void skewTimeAndMasterDownIntervalFollowRfc5798() {
        VrrpInstance b = router(lan.node("10.0.0.2"), 100).build();

        // Skew_Time = (256 - 100) * 1 s / 256 = 609.375 ms; Master_Down_Interval = 3 s + Skew_Time.
        assertThat(b.skewTime()).isEqualTo(Duration.ofNanos(609_375_000));
        assertThat(b.masterDownInterval()).isEqualTo(Duration.ofNanos(3_609_375_000L));
    }

    @Test
    void aLoneBackupBecomesMasterExactlyOneMasterDownIntervalAfterStart() {
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance b = router(nodeB, 100).build();

        b.start();                                              // t = 0: backup
        clock.advance(Duration.ofNanos(3_609_374_999L));         // 1 ns before Master_Down_Interval
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
        clock.advance(Duration.ofNanos(1));                      // t = 3.609375 s

        assertThat(b.state()).isEqualTo(VrrpState.MASTER);
        assertThat(transitions(b)).extracting(StateChanged::reason)
                .containsExactly(TransitionReason.STARTUP, TransitionReason.MASTER_DOWN);
        assertThat(nanos(last(b))).isEqualTo(3_609_375_000L);
        assertThat(lan.sentBy(nodeB)).extracting(VirtualLan.Sent::atNanos).containsExactly(3_609_375_000L);
    }

    @Test
    void theAddressOwnerIsMasterAtStartAndAdvertisesEveryInterval() {
        VirtualLan.Node node = lan.node("10.0.0.1");
        VrrpInstance owner = router(node, 255).build();

        owner.start();
        clock.advance(Duration.ofMillis(3_500));

        assertThat(transitions(owner)).extracting(StateChanged::reason)
                .containsExactly(TransitionReason.STARTUP_ADDRESS_OWNER);
        assertThat(lan.sentBy(node)).extracting(VirtualLan.Sent::atNanos)
                .containsExactly(0L, 1_000_000_000L, 2_000_000_000L, 3_000_000_000L);
        assertThat(lan.sentBy(node).get(0).advert()).isEqualTo(new VrrpAdvert(51, 255, 100,
                List.of(ipv4("10.0.0.100"))));
        assertThat(lan.sentBy(node).get(0).destination()).isEqualTo(VrrpInstance.MULTICAST_GROUP);
    }

    @Test
    void whenTheMasterDiesTheBackupTakesOverExactlyMasterDownIntervalAfterTheLastAdvert() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(10));
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);

        nodeA.plugged = false;                                  // t = 10 s: A vanishes (no priority 0)
        long lastAdvert = lan.sentBy(nodeA).getLast().atNanos();
        clock.advance(Duration.ofSeconds(10));

        StateChanged takeover = last(b);
        assertThat(takeover.to()).isEqualTo(VrrpState.MASTER);
        assertThat(takeover.reason()).isEqualTo(TransitionReason.MASTER_DOWN);
        assertThat(nanos(takeover) - lastAdvert).isEqualTo(b.masterDownInterval().toNanos());
    }

    @Test
    void aGracefulStopSendsPriorityZeroAndTheBackupTakesOverAfterSkewTime() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(lan.node("10.0.0.2"), 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofMillis(10_500));

        a.stop();                                               // t = 10.5 s
        assertThat(lan.sentBy(nodeA).getLast().advert().priority()).isZero();
        assertThat(lan.sentBy(nodeA).getLast().atNanos()).isEqualTo(10_500_000_000L);
        clock.advance(Duration.ofSeconds(5));

        StateChanged takeover = last(b);
        assertThat(takeover.reason()).isEqualTo(TransitionReason.MASTER_RESIGNED);
        assertThat(takeover.peer()).contains(ipv4("10.0.0.1"));
        assertThat(nanos(takeover)).isEqualTo(10_500_000_000L + 609_375_000L); // + Skew_Time
        assertThat(last(a).reason()).isEqualTo(TransitionReason.SHUTDOWN);
        assertThat(a.state()).isEqualTo(VrrpState.INITIALIZE);
    }

    @Test
    void theBackupLearnsTheMastersAdvertIntervalAndTimesItsTakeoverByIt() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VrrpInstance a = router(nodeA, 200).advertInterval(Duration.ofMillis(200)).build();
        VrrpInstance b = router(lan.node("10.0.0.2"), 100).build();  // own interval 1 s
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(5));

        assertThat(b.masterAdvertInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(b.history()).filteredOn(MasterAdvertIntervalChanged.class::isInstance).singleElement()
                .isEqualTo(new MasterAdvertIntervalChanged(java.time.Instant.EPOCH.plusNanos(643_750_000L), 51,
                        Duration.ofSeconds(1), Duration.ofMillis(200)));  // A's first advert: 600 + 43.75 ms
        nodeA.plugged = false;
        long lastAdvert = lan.sentBy(nodeA).getLast().atNanos();
        clock.advance(Duration.ofSeconds(5));

        // 3 x 200 ms + (256 - 100) x 200 ms / 256 = 600 ms + 121.875 ms
        assertThat(nanos(last(b)) - lastAdvert).isEqualTo(721_875_000L);
    }

    @Test
    void aHigherPriorityRouterPreemptsALowerPriorityMasterAfterItsMasterDownInterval() {
        VrrpInstance b = router(lan.node("10.0.0.2"), 100).build();
        VrrpInstance a = router(lan.node("10.0.0.1"), 200).build();
        b.start();
        clock.advance(Duration.ofSeconds(10));                  // B is master alone
        assertThat(b.state()).isEqualTo(VrrpState.MASTER);

        a.start();                                              // t = 10 s: A ignores B's lower adverts
        clock.advance(Duration.ofSeconds(10));

        StateChanged aTakes = last(a);
        assertThat(aTakes.reason()).isEqualTo(TransitionReason.PREEMPTED_LOWER_PRIORITY);
        assertThat(nanos(aTakes)).isEqualTo(10_000_000_000L + a.masterDownInterval().toNanos());
        StateChanged bYields = last(b);
        assertThat(bYields.to()).isEqualTo(VrrpState.BACKUP);
        assertThat(bYields.reason()).isEqualTo(TransitionReason.HIGHER_PRIORITY_SEEN);
        assertThat(bYields.at()).isEqualTo(aTakes.at());         // zero latency: no two-master interval at all
    }

    @Test
    void withNopreemptAHigherPriorityBackupLeavesALiveMasterAlone() {
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance b = router(nodeB, 100).build();
        VrrpInstance a = router(lan.node("10.0.0.1"), 200).preempt(false).build();
        b.start();
        clock.advance(Duration.ofSeconds(10));
        a.start();

        clock.advance(Duration.ofMinutes(5));
        assertThat(a.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(b.state()).isEqualTo(VrrpState.MASTER);

        b.stop();                                               // t = 310 s: only now does A take over
        clock.advance(Duration.ofSeconds(5));
        assertThat(last(a).reason()).isEqualTo(TransitionReason.MASTER_RESIGNED);
        assertThat(nanos(last(a))).isEqualTo(310_000_000_000L + a.skewTime().toNanos());
    }

    @Test
    void preemptDelayAcceptsTheLowerMasterUntilTheDelayHasPassedSinceStart() {
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance b = router(nodeB, 100).build();
        VrrpInstance a = router(lan.node("10.0.0.1"), 200).preemptDelay(Duration.ofMillis(2_500)).build();
        b.start();
        clock.advance(Duration.ofMillis(10_200));
        a.start();                                              // t = 10.2 s; delay runs out at 12.7 s

        clock.advance(Duration.ofSeconds(20));

        // B's adverts at 10.609.., 11.609.., 12.609.. are accepted (before 12.7 s); 13.609.. is ignored.
        long lastAccepted = lan.sentBy(nodeB).stream().mapToLong(VirtualLan.Sent::atNanos)
                .filter(t -> t < 12_700_000_000L).max().orElseThrow();
        assertThat(last(a).reason()).isEqualTo(TransitionReason.PREEMPTED_LOWER_PRIORITY);
        assertThat(nanos(last(a))).isEqualTo(lastAccepted + a.masterDownInterval().toNanos());
        assertThat(nanos(last(a))).isGreaterThan(10_200_000_000L + 2_500_000_000L);
    }

    @Test
    void equalPrioritiesAreBrokenByTheHigherPrimaryAddress() {
        VrrpInstance low = router(lan.node("10.0.0.1"), 100).build();
        VrrpInstance high = router(lan.node("10.0.0.2"), 100).build();
        low.start();
        high.start();                                           // both time out at the same instant

        clock.advance(Duration.ofSeconds(10));

        assertThat(high.state()).isEqualTo(VrrpState.MASTER);
        assertThat(low.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(last(low).reason()).isEqualTo(TransitionReason.EQUAL_PRIORITY_HIGHER_ADDRESS);
        assertThat(last(low).peer()).isEqualTo(Optional.of(ipv4("10.0.0.2")));
        assertThat(last(low).at()).isEqualTo(transitions(high).get(1).at()); // yielded the instant it heard
    }

    @Test
    void advertsWithATtlOtherThan255AreCountedAndIgnored() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        nodeA.ttl = 254;                                        // as if a router had forwarded them
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(lan.node("10.0.0.2"), 100).build();
        a.start();
        b.start();

        clock.advance(Duration.ofSeconds(10));

        assertThat(b.state()).isEqualTo(VrrpState.MASTER);      // A's adverts never counted as a master
        assertThat(b.stats().dropped(DropReason.BAD_TTL)).isEqualTo(lan.sentBy(nodeA).size());
        assertThat(b.stats().advertsAccepted()).isZero();
    }

    @Test
    void badPacketsAreCountedByReasonAndNeverChangeState() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(3));
        long acceptedBefore = b.stats().advertsAccepted();
        byte[] higher = VrrpCodec.encode(new VrrpAdvert(51, 254, 100, List.of(ipv4("10.0.0.100"))),
                ipv4("10.0.0.9"), VrrpInstance.MULTICAST_GROUP, ChecksumMode.WITH_PSEUDO_HEADER);
        byte[] badChecksum = higher.clone();
        badChecksum[2] = 0; // priority 0 after the checksum: would make B take over after Skew_Time if accepted

        nodeB.deliver(ipPacket(ipv4("10.0.0.9"), VrrpInstance.MULTICAST_GROUP, 255, badChecksum));
        nodeB.deliver(new byte[]{0x45, 0, 0});
        nodeB.deliver(ipPacket(ipv4("10.0.0.9"), VrrpInstance.MULTICAST_GROUP, 255,
                VrrpCodec.encode(new VrrpAdvert(52, 254, 100, List.of(ipv4("10.0.0.200"))), ipv4("10.0.0.9"),
                        VrrpInstance.MULTICAST_GROUP, ChecksumMode.WITH_PSEUDO_HEADER)));
        nodeB.deliver(ipPacket(ipv4("10.0.0.2"), VrrpInstance.MULTICAST_GROUP, 255, VrrpCodec.encode(
                new VrrpAdvert(51, 0, 100, List.of(ipv4("10.0.0.100"))), ipv4("10.0.0.2"),
                VrrpInstance.MULTICAST_GROUP, ChecksumMode.WITH_PSEUDO_HEADER)));   // our own address as source
        clock.advance(Duration.ofSeconds(3));

        VrrpStats s = b.stats();
        assertThat(s.dropped(DropReason.BAD_CHECKSUM)).isEqualTo(1);
        assertThat(s.dropped(DropReason.TRUNCATED)).isEqualTo(1);
        assertThat(s.dropped(DropReason.OTHER_VRID)).isEqualTo(1);
        assertThat(s.dropped(DropReason.OWN_ADVERT)).isEqualTo(1);
        assertThat(s.badPackets()).isEqualTo(2);
        assertThat(s.advertsAccepted() - acceptedBefore).isEqualTo(3); // A's adverts at 3.x, 4.x, 5.x s
        assertThat(transitions(b)).extracting(StateChanged::to).containsExactly(VrrpState.BACKUP);
    }

    @Test
    void withUnicastPeersAdvertsGoToEachPeerAndOthersAreDropped() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VirtualLan.Node stranger = lan.node("10.0.0.66");
        VrrpInstance a = router(nodeA, 200).unicastPeer("10.0.0.2").unicastPeer("10.0.0.3").build();
        VrrpInstance s = router(stranger, 250).build();
        a.start();
        s.start();
        clock.advance(Duration.ofMillis(3_999));                 // the stranger (250) times out first, then A

        assertThat(lan.sentBy(nodeA)).extracting(VirtualLan.Sent::destination).startsWith(ipv4("10.0.0.2"),
                ipv4("10.0.0.3"));
        assertThat(a.stats().dropped(DropReason.UNKNOWN_PEER)).isGreaterThan(0);
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);       // the stranger's priority 250 was not believed
    }

    @Test
    void aMasterSeeingALowerPriorityMasterAdvertisesAtOnce() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofMillis(4_000));
        nodeA.plugged = false;                                   // t = 4 s, link down: both become master
        clock.advance(Duration.ofMillis(5_800));
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);       // adverts at 3.21875 s + k
        assertThat(b.state()).isEqualTo(VrrpState.MASTER);       // since 6.828125 s, adverts at 6.828125 s + k

        nodeA.plugged = true;                                    // link back at t = 9.8 s
        clock.advance(Duration.ofSeconds(2));

        // B's advert at 9.828125 s comes before A's regular one at 10.21875 s; A answers it at once.
        long bFirst = 9_828_125_000L;
        assertThat(lan.sentBy(nodeB)).extracting(VirtualLan.Sent::atNanos).contains(bFirst);
        assertThat(lan.sentBy(nodeA)).extracting(VirtualLan.Sent::atNanos).contains(bFirst);
        StateChanged yielded = last(b);
        assertThat(yielded.reason()).isEqualTo(TransitionReason.HIGHER_PRIORITY_SEEN);
        assertThat(nanos(yielded)).isEqualTo(bFirst);
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
    }

    @Test
    void aMasterWhoseLinkGoesDownEntersFaultAndTheBackupTakesOverThenItPreemptsAgainWhenTheLinkReturns() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(10));
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);

        nodeA.carrier = false;                                  // A's cable is pulled: it notices, B hears nothing
        nodeA.plugged = false;
        clock.advance(Duration.ofMillis(100));                  // one link check later

        assertThat(a.state()).isEqualTo(VrrpState.FAULT);
        assertThat(last(a).reason()).isEqualTo(TransitionReason.LINK_DOWN);
        assertThat(last(a).from()).isEqualTo(VrrpState.MASTER);
        int sentInFault = lan.sentBy(nodeA).size();
        clock.advance(Duration.ofSeconds(10));
        assertThat(lan.sentBy(nodeA)).as("FAULT sends nothing").hasSize(sentInFault);
        assertThat(a.state()).as("FAULT never takes over").isEqualTo(VrrpState.FAULT);
        assertThat(b.state()).isEqualTo(VrrpState.MASTER);

        nodeA.plugged = true;
        nodeA.carrier = true;
        clock.advance(Duration.ofMillis(100));
        assertThat(a.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(last(a).reason()).isEqualTo(TransitionReason.LINK_UP);
        long backAt = nanos(last(a));
        clock.advance(Duration.ofSeconds(10));

        // Preemption: A ignores B's lower priority and takes over one Master_Down_Interval after the link returned.
        StateChanged preempted = last(a);
        assertThat(preempted.to()).isEqualTo(VrrpState.MASTER);
        assertThat(preempted.reason()).isEqualTo(TransitionReason.PREEMPTED_LOWER_PRIORITY);
        assertThat(nanos(preempted) - backAt).isEqualTo(a.masterDownInterval().toNanos());
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
    }

    @Test
    void aBackupWithoutLinkNeverTakesOver() {
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance b = router(nodeB, 100).build();
        nodeB.carrier = false;

        b.start();
        clock.advance(Duration.ofSeconds(30));

        assertThat(transitions(b)).extracting(StateChanged::to).containsExactly(VrrpState.BACKUP, VrrpState.FAULT);
        assertThat(lan.sentBy(nodeB)).isEmpty();
    }

    @Test
    void everyTransitionIsAnEventForSubscribersInOrder() {
        VrrpInstance b = router(lan.node("10.0.0.2"), 100).build();
        List<HaEvent> seen = new java.util.ArrayList<>();
        b.subscribe(seen::add);

        b.start();
        clock.advance(Duration.ofSeconds(5));
        b.stop();

        assertThat(seen).isEqualTo(b.history());
        assertThat(seen).extracting(e -> ((StateChanged) e).to())
                .containsExactly(VrrpState.BACKUP, VrrpState.MASTER, VrrpState.INITIALIZE);
    }

    // ------------------------------------------------------------------ issue 12 item 6: forged adverts

    /** An advert from {@code source} as a host on the segment could forge it (TTL 255, valid checksum). */
    private static byte[] forged(String source, int priority, int centis, String... addresses) {
        VrrpAdvert advert = new VrrpAdvert(51, priority, centis,
                java.util.Arrays.stream(addresses).map(java.net.InetAddress::ofLiteral).toList());
        return ipPacket(ipv4(source), VrrpInstance.MULTICAST_GROUP, 255, VrrpCodec.encode(advert, ipv4(source),
                VrrpInstance.MULTICAST_GROUP, ChecksumMode.WITH_PSEUDO_HEADER));
    }

    @Test
    void anAdvertWithAnotherAddressListIsDroppedUnlessItComesFromTheAddressOwner() {
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance b = router(nodeB, 100).build();
        b.start();
        clock.advance(Duration.ofSeconds(1));

        nodeB.deliver(forged("10.0.0.9", 254, 100, "10.0.0.200"));     // t = 1 s: would restart B's down timer
        clock.advance(Duration.ofSeconds(3));

        assertThat(nanos(last(b))).as("master exactly one Master_Down_Interval after start")
                .isEqualTo(3_609_375_000L);
        assertThat(b.stats().dropped(DropReason.ADDRESS_MISMATCH)).isEqualTo(1);
        assertThat(b.stats().advertsAccepted()).isZero();

        nodeB.deliver(forged("10.0.0.9", 255, 100, "10.0.0.200"));     // t = 4 s: the address owner is believed
        assertThat(last(b).reason()).isEqualTo(TransitionReason.HIGHER_PRIORITY_SEEN);
        assertThat(b.stats().addressMismatches()).isEqualTo(1);
        assertThat(b.stats().advertsAccepted()).isEqualTo(1);
    }

    @Test
    void aForgedLongAdvertIntervalIsLearnedOnlyUpToMaxLearnedAdvertInterval() {
        VirtualLan.Node nodeA = lan.node("10.0.0.1");
        VirtualLan.Node nodeB = lan.node("10.0.0.2");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(10));
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);

        byte[] forgery = forged("10.0.0.9", 250, 4095, "10.0.0.100"); // t = 10 s: 40.95 s, then silence
        nodeA.deliver(forgery);
        nodeB.deliver(forgery);

        // Both learn 10 s (10 x 1 s), not 40.95 s: A, yielding, waits 3 x 10 s + (256 - 200) x 10 s / 256.
        assertThat(a.masterAdvertInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.masterAdvertInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.stats().clampedIntervals()).isEqualTo(1);
        assertThat(b.stats().clampedIntervals()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(40));
        StateChanged back = last(a);
        assertThat(back.reason()).isEqualTo(TransitionReason.MASTER_DOWN);
        assertThat(nanos(back)).isEqualTo(10_000_000_000L + 32_187_500_000L);   // not after 131.8 s
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
    }

    @Test
    void repliesToAFloodOfForgedPriorityZeroAdvertsAreRateLimitedToOnePerInterval() {
        VirtualLan.Node node = lan.node("10.0.0.1");
        VrrpInstance owner = router(node, 255).build();
        owner.start();                                          // master at t = 0, adverts every second
        clock.advance(Duration.ofMillis(500));

        for (int i = 0; i < 50; i++) {                          // t = 0.5 s: 50 forged "master resigned" adverts
            node.deliver(forged("10.0.0.9", 0, 100, "10.0.0.100"));
        }
        clock.advance(Duration.ofMillis(2_700));

        // One answer at once (t = 0.5 s, restarting the grid), the 49 others counted, not sent.
        assertThat(lan.sentBy(node)).extracting(VirtualLan.Sent::atNanos)
                .containsExactly(0L, 500_000_000L, 1_500_000_000L, 2_500_000_000L);
        assertThat(owner.stats().rateLimitedReplies()).isEqualTo(49);
    }
}
