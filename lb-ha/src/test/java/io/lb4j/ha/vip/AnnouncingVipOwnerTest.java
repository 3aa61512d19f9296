package io.lb4j.ha.vip;

import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The announcement schedule both VIP owners share, in virtual time: a burst at takeover, a second burst later, none
 * after a release or a close; and the builders' checks.
 */
class AnnouncingVipOwnerTest {

    private final VirtualClock clock = new VirtualClock();
    private final List<String> calls = new ArrayList<>();
    private final List<InetAddress> vip = List.of((Inet4Address) InetAddress.ofLiteral("10.0.0.100"));

    /** Records what the base class asks of an owner, at which virtual instant. */
    private final class Recording extends AnnouncingVipOwner {
        Recording(int burst, Duration repeatAfter) {
            super(new Settings().gratuitousArps(burst, repeatAfter).clock(clock));
        }

        @Override
        void take(List<InetAddress> addresses) {
            calls.add("take@" + clock.nanoTime());
        }

        @Override
        void give(List<InetAddress> addresses) {
            calls.add("give@" + clock.nanoTime());
        }

        @Override
        void announceOnce(List<InetAddress> addresses) {
            calls.add("garp@" + clock.nanoTime());
        }
    }

    private static final class Settings extends AnnouncingVipOwner.BurstSettings<Settings> {
        @Override
        Settings self() {
            return this;
        }
    }

    @Test
    void takeoverAnnouncesABurstNowAndAnotherAfterTheDelay() {
        Recording owner = new Recording(3, Duration.ofSeconds(5));

        owner.acquire(vip);
        clock.advance(Duration.ofSeconds(10));

        assertThat(calls).containsExactly("take@0", "garp@0", "garp@0", "garp@0",
                "garp@5000000000", "garp@5000000000", "garp@5000000000");
    }

    @Test
    void aReleaseBeforeTheSecondBurstCancelsIt() {
        Recording owner = new Recording(1, Duration.ofSeconds(5));

        owner.acquire(vip);
        clock.advance(Duration.ofSeconds(2));
        owner.release(vip);
        clock.advance(Duration.ofSeconds(10));

        assertThat(calls).containsExactly("take@0", "garp@0", "give@2000000000");
    }

    @Test
    void aCloseCancelsThePendingBurstAndARepeatOfZeroSchedulesNone() {
        Recording closed = new Recording(1, Duration.ofSeconds(5));
        closed.acquire(vip);
        closed.close();
        Recording once = new Recording(2, Duration.ZERO);
        once.acquire(vip);
        clock.advance(Duration.ofMinutes(5));

        assertThat(calls).containsExactly("take@0", "garp@0", "take@0", "garp@0", "garp@0");
    }

    @Test
    void theBuildersNameWhatIsWrong() {
        assertThatThrownBy(() -> InterfaceVipOwner.builder("eth0").gratuitousArps(0, Duration.ofSeconds(5)))
                .hasMessage("burst: 0 (expected: 1-100)");
        assertThatThrownBy(() -> InterfaceVipOwner.builder("eth0").gratuitousArps(5, Duration.ofHours(2)))
                .hasMessage("repeatAfter: PT2H (expected: 0 to 1 hour)");
        assertThatThrownBy(() -> PacketEngineVipOwner.builder(PacketEngine.on("eth0"))
                .gratuitousArps(101, Duration.ZERO)).hasMessage("burst: 101 (expected: 1-100)");
        assertThatThrownBy(() -> InterfaceVipOwner.builder("an-interface-name-too-long"))
                .hasMessage("interfaceName: \"an-interface-name-too-long\" (expected: an interface name of 1-15 "
                        + "characters)");
    }
}
