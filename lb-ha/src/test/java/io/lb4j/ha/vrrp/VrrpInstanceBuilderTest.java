package io.lb4j.ha.vrrp;

import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VrrpInstanceBuilderTest {

    private static VrrpInstance.Builder valid() {
        return VrrpInstance.builder().vrid(51).priority(100).virtualAddress("10.0.0.100")
                .transport(new VirtualLan(new VirtualClock()).node("10.0.0.1"));
    }

    @Test
    void vridOutsideOneTo255IsRejectedWithTheRange() {
        assertThatThrownBy(() -> valid().vrid(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vrid: 0 (expected: 1-255)");
        assertThatThrownBy(() -> valid().vrid(256)).hasMessage("vrid: 256 (expected: 1-255)");
    }

    @Test
    void priorityZeroIsReservedForResigningAndRejected() {
        assertThatThrownBy(() -> valid().priority(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("priority: 0 (expected: 1-255)");
    }

    @Test
    void advertIntervalMustBeWholeCentisecondsFrom10msTo40950ms() {
        assertThatThrownBy(() -> valid().advertInterval(Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("advertInterval: PT0.005S (expected: 10 ms to 40.95 s in whole centiseconds)");
        assertThatThrownBy(() -> valid().advertInterval(Duration.ofMillis(105)))
                .hasMessage("advertInterval: PT0.105S (expected: 10 ms to 40.95 s in whole centiseconds)");
        assertThatThrownBy(() -> valid().advertInterval(Duration.ofMillis(40_960)))
                .hasMessage("advertInterval: PT40.96S (expected: 10 ms to 40.95 s in whole centiseconds)");
    }

    @Test
    void anotherFamilyThanTheFirstAddressAndHostNamesAreRejectedAsVirtualAddresses() {
        assertThatThrownBy(() -> valid().virtualAddress("2001:db8::1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("virtualAddress: 2001:db8::1 (expected: an IPv4 address like the others; one"
                        + " instance serves one family, run a second instance for the other)");
        assertThatThrownBy(() -> valid().virtualAddress("vip.example.org"))
                .hasMessage("virtualAddress: \"vip.example.org\" (expected: an IP address literal)");
    }

    @Test
    void missingRequiredSettingsAreNamed() {
        assertThatThrownBy(() -> VrrpInstance.builder().priority(1).virtualAddress("10.0.0.1").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("vrid: unset (expected: 1-255)");
        assertThatThrownBy(() -> VrrpInstance.builder().vrid(1).priority(1).build())
                .hasMessage("virtualAddress: none (expected: at least one IPv4 or IPv6 address)");
        assertThatThrownBy(() -> VrrpInstance.builder().vrid(1).priority(1).virtualAddress("10.0.0.1").build())
                .hasMessage("networkInterface: unset (expected: an interface name, or a transport)");
    }

    @Test
    void nopreemptConflictsWithTheAddressOwnerAndWithAPreemptDelay() {
        assertThatThrownBy(() -> valid().priority(255).preempt(false).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("preempt: false conflicts with priority 255 (the address owner always becomes master)");
        assertThatThrownBy(() -> valid().preempt(false).preemptDelay(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("preemptDelay: PT2S conflicts with preempt(false) (a delay applies only to preemption)");
    }

    @Test
    void preemptDelayIsLimitedToKeepalivedsRange() {
        assertThatThrownBy(() -> valid().preemptDelay(Duration.ofSeconds(1001)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preemptDelay: PT16M41S (expected: 0 to 1000 s)");
    }

    @Test
    void startingTwiceIsRejected() {
        VrrpInstance instance = valid().clock(new VirtualClock()).build();
        instance.start();
        assertThatThrownBy(instance::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("VRRP instance 51 already started (expected: start() once)");
        instance.stop();
        assertThatThrownBy(instance::start).hasMessage("VRRP instance 51 already stopped (expected: start() once)");
    }

    @Test
    void maxLearnedAdvertIntervalDefaultsToTenIntervalsAndIsNeverBelowTheAdvertInterval() {
        assertThat(valid().build().maxLearnedAdvertInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(valid().advertInterval(Duration.ofSeconds(5)).build().maxLearnedAdvertInterval())
                .isEqualTo(Duration.ofMillis(40_950));                 // 50 s does not fit the 12-bit field
        assertThatThrownBy(() -> valid().maxLearnedAdvertInterval(Duration.ofMillis(41_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLearnedAdvertInterval: PT41S (expected: 10 ms to 40.95 s in whole centiseconds)");
        assertThatThrownBy(() -> valid().maxLearnedAdvertInterval(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("maxLearnedAdvertInterval: PT0.5S (expected: at least advertInterval PT1S)");
    }
}
