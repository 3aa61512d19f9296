package io.lb4j.ha.route;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a node announces its VIP and when it withdraws it: a balancer in the test kit (virtual time) and an announcer
 * that records what it is asked. Each step checks at once ({@code checkNow}), as the node's periodic check would.
 */
class AnnouncingNodeTest {

    private static final InetAddress VIP = InetAddress.ofLiteral("10.218.100.100");

    /** Records the calls and keeps the state a daemon that takes every change would have. */
    static final class RecordingAnnouncer implements RouteAnnouncer {
        final List<String> calls = new ArrayList<>();
        final Set<InetAddress> announced = new HashSet<>();

        @Override
        public synchronized AnnouncementState announce(InetAddress vip) {
            if (announced.add(vip)) {
                calls.add("announce " + vip.getHostAddress());
            }
            return AnnouncementState.ANNOUNCED;
        }

        @Override
        public synchronized AnnouncementState withdraw(InetAddress vip) {
            if (announced.remove(vip)) {
                calls.add("withdraw " + vip.getHostAddress());
            }
            return AnnouncementState.WITHDRAWN;
        }

        @Override
        public synchronized AnnouncementState state(InetAddress vip) {
            return announced.contains(vip) ? AnnouncementState.ANNOUNCED : AnnouncementState.WITHDRAWN;
        }

        @Override
        public void close() {
        }
    }

    private static VirtualService pacs(boolean fallback) {
        VirtualService.Builder b = VirtualService.directRouting().label("PACS").address("10.218.100.100").ports(104)
                .real("r1", "10.218.0.21").real("r2", "10.218.0.22").healthCheck(HealthCheck.none());
        if (fallback) {
            b.fallback("10.218.0.30", f -> f.masquerade(false));
        }
        return b.build();
    }

    @Test
    void announcesWhileServingAndWithdrawsWhenEveryRealServerIsOutWhenDrainedAndWhenTheBalancerStops() {
        try (LbTestKit kit = LbTestKit.create()) {
            LoadBalancer lb = kit.start(pacs(false));
            RecordingAnnouncer announcer = new RecordingAnnouncer();
            AnnouncingNode node = new AnnouncingNode(lb, announcer, Optional.empty(), Duration.ofSeconds(10));
            List<Map<InetAddress, AnnouncementState>> heard = new ArrayList<>();
            node.onChange(heard::add);

            node.checkNow();
            assertThat(announcer.calls).containsExactly("announce 10.218.100.100");
            assertThat(node.states()).containsExactly(Map.entry(VIP, AnnouncementState.ANNOUNCED));

            // One real server out: the other still serves, the VIP stays.
            lb.halt("PACS", "r1");
            node.checkNow();
            assertThat(announcer.calls).hasSize(1);
            // Every real server out and no fallback: withdrawn; one back: announced again.
            lb.halt("PACS", "r2");
            node.checkNow();
            assertThat(announcer.calls).last().isEqualTo("withdraw 10.218.100.100");
            lb.online("PACS", "r2");
            node.checkNow();
            assertThat(announcer.calls).last().isEqualTo("announce 10.218.100.100");

            // The operator drains the node: withdrawn until undrained.
            node.drain();
            assertThat(node.drained()).isTrue();
            assertThat(announcer.calls).last().isEqualTo("withdraw 10.218.100.100");
            node.checkNow();
            assertThat(announcer.state(VIP)).isEqualTo(AnnouncementState.WITHDRAWN);
            node.undrain();
            assertThat(announcer.calls).last().isEqualTo("announce 10.218.100.100");

            // The balancer (its engine) stops: withdrawn.
            lb.stop(Duration.ZERO);
            node.checkNow();
            assertThat(announcer.calls).containsExactly("announce 10.218.100.100", "withdraw 10.218.100.100",
                    "announce 10.218.100.100", "withdraw 10.218.100.100", "announce 10.218.100.100",
                    "withdraw 10.218.100.100");
            assertThat(heard).last().isEqualTo(Map.of(VIP, AnnouncementState.WITHDRAWN));
            node.close();
        }
    }

    /**
     * What the admin page shows: each VIP's state with why and since when. A drain and an undrain each change the
     * state (and its time); a second reason for staying withdrawn changes the reason, not the time.
     */
    @Test
    void eachAnnouncementSaysWhyAndSinceWhenAndAnUndrainedNodeAnnouncesAgain() {
        try (LbTestKit kit = LbTestKit.create()) {
            LoadBalancer lb = kit.start(pacs(false));
            RecordingAnnouncer announcer = new RecordingAnnouncer();
            AnnouncingNode node = new AnnouncingNode(lb, announcer, Optional.empty(), Duration.ofSeconds(10));
            Instant before = Instant.now();
            node.checkNow();
            Announcement serving = node.announcements().get(VIP);
            assertThat(serving.state()).isEqualTo(AnnouncementState.ANNOUNCED);
            assertThat(serving.reason()).isEqualTo(Announcement.Reason.SERVING);
            assertThat(serving.since()).isBetween(before, Instant.now());
            node.checkNow();
            assertThat(node.announcements().get(VIP)).as("nothing changed: the same time").isEqualTo(serving);

            node.drain();
            Announcement drained = node.announcements().get(VIP);
            assertThat(drained.state()).isEqualTo(AnnouncementState.WITHDRAWN);
            assertThat(drained.reason()).isEqualTo(Announcement.Reason.DRAINED);
            assertThat(drained.since()).isAfterOrEqualTo(serving.since());
            // Drained and every real server out: still withdrawn, still for the drain (the operator's doing).
            lb.halt("PACS", "r1");
            lb.halt("PACS", "r2");
            node.checkNow();
            assertThat(node.announcements().get(VIP)).isEqualTo(drained);
            // Undrained with nothing up: withdrawn for that, since the drain.
            node.undrain();
            assertThat(node.drained()).isFalse();
            assertThat(node.announcements().get(VIP)).isEqualTo(new Announcement(VIP, AnnouncementState.WITHDRAWN,
                    drained.since(), Announcement.Reason.NOTHING_UP));
            lb.online("PACS", "r1");
            node.checkNow();
            assertThat(node.announcements().get(VIP).reason()).isEqualTo(Announcement.Reason.SERVING);
            assertThat(announcer.state(VIP)).isEqualTo(AnnouncementState.ANNOUNCED);

            lb.stop(Duration.ZERO);
            node.checkNow();
            assertThat(node.announcements().get(VIP).reason()).isEqualTo(Announcement.Reason.STOPPED);
            node.close();
            assertThat(node.announcements().get(VIP).reason()).isEqualTo(Announcement.Reason.CLOSED);
        }
    }

    @Test
    void aServiceWithAFallbackStaysAnnouncedWithEveryRealServerOutAndClosingWithdraws() {
        try (LbTestKit kit = LbTestKit.create()) {
            LoadBalancer lb = kit.start(pacs(true));
            RecordingAnnouncer announcer = new RecordingAnnouncer();
            AnnouncingNode node = new AnnouncingNode(lb, announcer, Optional.empty(), Duration.ofSeconds(10));
            node.checkNow();
            lb.halt("PACS", "r1");
            lb.halt("PACS", "r2");
            node.checkNow();
            assertThat(announcer.calls).containsExactly("announce 10.218.100.100");

            node.close();
            assertThat(announcer.calls).containsExactly("announce 10.218.100.100", "withdraw 10.218.100.100");
        }
    }

    @Test
    void anInterfaceThatDoesNotExistCountsAsDown() {
        try (LbTestKit kit = LbTestKit.create()) {
            LoadBalancer lb = kit.start(pacs(false));
            RecordingAnnouncer announcer = new RecordingAnnouncer();
            AnnouncingNode node = new AnnouncingNode(lb, announcer, Optional.of("lb4j-no-such0"),
                    Duration.ofSeconds(10));
            node.checkNow();
            assertThat(announcer.calls).isEmpty();
            assertThat(node.states()).containsExactly(Map.entry(VIP, AnnouncementState.WITHDRAWN));
            assertThat(node.announcements().get(VIP).reason()).isEqualTo(Announcement.Reason.INTERFACE_DOWN);
            node.close();
        }
    }
}
