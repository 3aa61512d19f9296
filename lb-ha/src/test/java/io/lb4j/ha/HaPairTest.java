package io.lb4j.ha;

import io.lb4j.ha.vip.VipOwner;
import io.lb4j.ha.vrrp.VirtualLan;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.VrrpState;

import io.lb4j.ha.internal.GratuitousArp;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static io.lb4j.ha.vrrp.VirtualLan.ipv4;
import static org.assertj.core.api.Assertions.assertThat;

class HaPairTest {

    private final VirtualClock clock = new VirtualClock();
    private final VirtualLan lan = new VirtualLan(clock);

    /** Records every call with the virtual time it happened at. */
    static final class RecordingOwner implements VipOwner {
        final List<String> calls = new ArrayList<>();
        private final VirtualClock clock;

        RecordingOwner(VirtualClock clock) {
            this.clock = clock;
        }

        @Override
        public void acquire(List<InetAddress> addresses) {
            calls.add(clock.elapsed().toMillis() + " acquire " + addresses);
        }

        @Override
        public void release(List<InetAddress> addresses) {
            calls.add(clock.elapsed().toMillis() + " release " + addresses);
        }
    }

    private HaPair node(String address, int priority, RecordingOwner owner) {
        return HaPair.builder().vipOwner(owner).vrrp(VrrpInstance.builder().vrid(7).priority(priority)
                .advertInterval(Duration.ofSeconds(1)).virtualAddress("10.0.0.100").transport(lan.node(address))
                .clock(clock).build()).build();
    }

    @Test
    void theVipIsReleasedAtStartAcquiredOnBecomingMasterAndReleasedOnLeavingIt() {
        RecordingOwner ownerA = new RecordingOwner(clock);
        RecordingOwner ownerB = new RecordingOwner(clock);
        HaPair b = node("10.0.0.2", 100, ownerB);
        HaPair a = node("10.0.0.1", 200, ownerA);

        b.start();                                    // t = 0: B alone, master at 3.609 s
        clock.advance(Duration.ofSeconds(5));
        a.start();                                    // t = 5 s: A preempts at 5 s + 3.21875 s
        clock.advance(Duration.ofSeconds(5));
        a.close();                                    // t = 10 s: priority 0, B back after 609 ms
        clock.advance(Duration.ofSeconds(2));

        assertThat(ownerB.calls).containsExactly("0 release [/10.0.0.100]", "3609 acquire [/10.0.0.100]",
                "8218 release [/10.0.0.100]", "10609 acquire [/10.0.0.100]");
        assertThat(ownerA.calls).containsExactly("5000 release [/10.0.0.100]", "8218 acquire [/10.0.0.100]",
                "10000 release [/10.0.0.100]");
        assertThat(a.state()).isEqualTo(VrrpState.INITIALIZE);
        assertThat(b.isMaster()).isTrue();
    }

    @Test
    void aGratuitousArpIsABroadcastRequestForTheVipFromOurMac() {
        byte[] mac = HexFormat.of().parseHex("020000000001");

        byte[] frame = GratuitousArp.frame(mac, ipv4("10.77.0.100"));

        assertThat(HexFormat.of().formatHex(frame)).isEqualTo(
                "ffffffffffff" + "020000000001" + "0806"           // broadcast, from us, ARP
                        + "0001" + "0800" + "06" + "04" + "0001"    // Ethernet/IPv4, request
                        + "020000000001" + "0a4d0064"               // sender: our MAC, the VIP
                        + "000000000000" + "0a4d0064"               // target: unknown MAC, the VIP
                        + "00".repeat(18));                         // padding to 60 bytes
    }
}
