package io.lb4j.ha.vrrp;

import io.lb4j.ha.vrrp.event.StateChanged;
import io.lb4j.ha.vrrp.event.TransitionReason;
import io.lb4j.ha.vrrp.internal.VrrpAdvert;
import io.lb4j.ha.vrrp.internal.VrrpCodec;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static io.lb4j.ha.vrrp.VirtualLan.ipPacket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * VRRPv3 over IPv6 (RFC 5798): the advert codec (16-byte addresses, the checksum over the IPv6 pseudo-header, every
 * malformed packet a counted drop reason, never an exception) and the state machine of an IPv6 instance, alone and
 * beside an IPv4 instance with the same VRID.
 */
class Vrrp6Test {

    private static final InetAddress A = InetAddress.ofLiteral("fe80::1");
    private static final InetAddress B = InetAddress.ofLiteral("fe80::2");
    private static final InetAddress GROUP = VrrpInstance.MULTICAST_GROUP_IPV6;
    private static final VrrpAdvert ADVERT = new VrrpAdvert(51, 150, 100,
            List.of(InetAddress.ofLiteral("2001:db8::100"), InetAddress.ofLiteral("2001:db8::101")));

    private final VirtualClock clock = new VirtualClock();
    private final VirtualLan lan = new VirtualLan(clock);

    private static byte[] packet(VrrpAdvert advert, int hopLimit) {
        return ipPacket(A, GROUP, hopLimit, VrrpCodec.encode(advert, A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER));
    }

    private static DropReason drop(byte[] packet, int length) {
        return VrrpCodec.decode(packet, length, ChecksumMode.WITH_PSEUDO_HEADER).dropped();
    }

    // ------------------------------------------------------------------ codec

    @Test
    void encodesSixteenByteAddressesAfterTheHeader() {
        byte[] m = VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(m).hasSize(8 + 2 * 16);
        assertThat(m[0]).isEqualTo((byte) 0x31);
        assertThat(m[3] & 0xFF).isEqualTo(2);
        assertThat(HexFormat.of().formatHex(m, 8, 24)).isEqualTo("20010db8000000000000000000000100");
        assertThat(HexFormat.of().formatHex(m, 24, 40)).isEqualTo("20010db8000000000000000000000101");
    }

    /**
     * Captured in a network namespace from keepalived 2.2.7 (Debian 12), {@code vrrp_version 3}, advert_int 0.1, VIP
     * 2001:db8:77::100/128, interface MAC 02:00:00:00:00:0a: the IPv6 header (traffic class 0xc0, hop limit 255) and
     * the advert, whose checksum keepalived had the kernel compute ({@code IPV6_CHECKSUM}).
     */
    private static final String KEEPALIVED_ADVERT = "6c0bb941001870fffe80000000000000000000fffe00000a"
            + "ff020000000000000000000000000012"
            + "31336401000a3e6920010db8007700000000000000000100";

    @Test
    void decodesAnIpv6AdvertCapturedFromKeepalivedAndEncodesTheSameFieldsToTheSameBytes() {
        byte[] packet = HexFormat.of().parseHex(KEEPALIVED_ADVERT);
        InetAddress source = InetAddress.ofLiteral("fe80::ff:fe00:a");

        VrrpCodec.Decoded d = VrrpCodec.decode(packet, packet.length, ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(d.dropped()).isNull();
        VrrpAdvert advert = new VrrpAdvert(51, 100, 10, List.of(InetAddress.ofLiteral("2001:db8:77::100")));
        assertThat(d.received().advert()).isEqualTo(advert);
        assertThat(d.received().source()).isEqualTo(source);
        assertThat(d.received().destination()).isEqualTo(GROUP);
        assertThat(d.received().ttl()).isEqualTo(255);
        assertThat(HexFormat.of().formatHex(VrrpCodec.encode(advert, source, GROUP, ChecksumMode.WITH_PSEUDO_HEADER)))
                .isEqualTo(KEEPALIVED_ADVERT.substring(80));
    }

    @Test
    void theChecksumCoversTheIpv6PseudoHeaderWhateverTheIpv4Mode() {
        byte[] m = VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITHOUT_PSEUDO_HEADER);

        // RFC 8200 8.1: source, destination, upper-layer length (32 bits), three zero bytes, next header 112.
        byte[] sum = new byte[32 + 8 + m.length];
        System.arraycopy(A.getAddress(), 0, sum, 0, 16);
        System.arraycopy(GROUP.getAddress(), 0, sum, 16, 16);
        sum[35] = (byte) m.length;
        sum[39] = (byte) VrrpCodec.PROTOCOL;
        System.arraycopy(m, 0, sum, 40, m.length);
        assertThat(onesComplementSum(sum)).isEqualTo(0xFFFF);

        byte[] p = ipPacket(A, GROUP, 255, m);
        for (ChecksumMode mode : ChecksumMode.values()) {
            assertThat(VrrpCodec.decode(p, p.length, mode).dropped()).as(mode.name()).isNull();
        }
    }

    @Test
    void decodeReturnsWhatEncodeWroteWithTheHopLimit() {
        byte[] p = packet(ADVERT, 255);

        VrrpCodec.Decoded d = VrrpCodec.decode(p, p.length, ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(d.dropped()).isNull();
        assertThat(d.received().advert()).isEqualTo(ADVERT);
        assertThat(d.received().source()).isEqualTo(A);
        assertThat(d.received().destination()).isEqualTo(GROUP);
        assertThat(d.received().ttl()).isEqualTo(255);
        assertThat(VrrpCodec.decode(packet(ADVERT, 64), p.length, ChecksumMode.WITH_PSEUDO_HEADER).received().ttl())
                .isEqualTo(64);
    }

    @Test
    void aChecksumComputedForAnotherSourceOrDestinationIsABadChecksum() {
        byte[] forOtherSource = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, B, GROUP,
                ChecksumMode.WITH_PSEUDO_HEADER));
        byte[] forOtherDestination = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A,
                InetAddress.ofLiteral("ff02::1"), ChecksumMode.WITH_PSEUDO_HEADER));
        byte[] flipped = packet(ADVERT, 255);
        flipped[40 + 8 + 15] ^= 1;

        assertThat(drop(forOtherSource, forOtherSource.length)).isEqualTo(DropReason.BAD_CHECKSUM);
        assertThat(drop(forOtherDestination, forOtherDestination.length)).isEqualTo(DropReason.BAD_CHECKSUM);
        assertThat(drop(flipped, flipped.length)).isEqualTo(DropReason.BAD_CHECKSUM);
    }

    @Test
    void truncationAtEveryOffsetIsCountedAsTruncated() {
        byte[] p = packet(ADVERT, 255);

        for (int length = 0; length < p.length; length++) {
            assertThat(drop(p, length)).as("length %d", length).isEqualTo(DropReason.TRUNCATED);
        }
        assertThat(drop(p, p.length)).isNull();
    }

    @Test
    void lengthFieldsThatDisagreeWithThePacketAreDropped() {
        byte[] payloadTooLong = packet(ADVERT, 255);
        payloadTooLong[5]++;                                     // payload length one beyond the packet
        byte[] payloadBelowHeader = packet(ADVERT, 255);
        payloadBelowHeader[4] = 0;
        payloadBelowHeader[5] = 7;
        byte[] countTooHigh = packet(ADVERT, 255);
        countTooHigh[40 + 3] = 3;                                // three addresses in room for two
        byte[] countZero = packet(new VrrpAdvert(51, 150, 100, List.of()), 255);

        assertThat(drop(payloadTooLong, payloadTooLong.length)).isEqualTo(DropReason.TRUNCATED);
        assertThat(drop(payloadBelowHeader, payloadBelowHeader.length)).isEqualTo(DropReason.TRUNCATED);
        assertThat(drop(countTooHigh, countTooHigh.length)).isEqualTo(DropReason.TRUNCATED);
        assertThat(drop(countZero, countZero.length)).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void anExtensionHeaderOrAnotherProtocolIsNotVrrp() {
        byte[] hopByHop = packet(ADVERT, 255);
        hopByHop[6] = 0;
        byte[] icmp = packet(ADVERT, 255);
        icmp[6] = 58;
        byte[] version5 = packet(ADVERT, 255);
        version5[0] = 0x50;

        assertThat(drop(hopByHop, hopByHop.length)).isEqualTo(DropReason.NOT_VRRP);
        assertThat(drop(icmp, icmp.length)).isEqualTo(DropReason.NOT_VRRP);
        assertThat(drop(version5, version5.length)).isEqualTo(DropReason.NOT_VRRP);
    }

    @Test
    void anIpv4MappedVirtualAddressStaysAnIpv6Address() {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = 10;
        mapped[15] = 1;
        byte[] m = VrrpCodec.encode(new VrrpAdvert(51, 150, 100, List.of(ADVERT.addresses().getFirst())), A, GROUP,
                ChecksumMode.WITH_PSEUDO_HEADER);
        System.arraycopy(mapped, 0, m, 8, 16);
        m[6] = 0;
        m[7] = 0;
        byte[] p = ipPacket(A, GROUP, 255, m);
        int sum = 0xFFFF - onesComplementSum(pseudo(m));
        p[40 + 6] = (byte) (sum >>> 8);
        p[40 + 7] = (byte) sum;

        VrrpCodec.Decoded d = VrrpCodec.decode(p, p.length, ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(d.dropped()).isNull();
        assertThat(d.received().advert().addresses().getFirst()).isInstanceOf(java.net.Inet6Address.class);
    }

    @Test
    void randomBytesAfterAnIpv6HeaderNeverThrow() {
        Random random = new Random(5798);
        byte[] valid = packet(ADVERT, 255);
        for (int i = 0; i < 20_000; i++) {
            byte[] p = valid.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                p[random.nextInt(p.length)] = (byte) random.nextInt(256);
            }
            int length = random.nextInt(p.length + 1);
            assertThatCode(() -> VrrpCodec.decode(p, length, ChecksumMode.WITH_PSEUDO_HEADER))
                    .doesNotThrowAnyException();
        }
    }

    // ------------------------------------------------------------------ state machine

    private VrrpInstance.Builder router(VirtualLan.Node node, int priority) {
        return VrrpInstance.builder().vrid(51).priority(priority).advertInterval(Duration.ofSeconds(1))
                .virtualAddress("2001:db8::100").transport(node).clock(clock);
    }

    @Test
    void anIpv6InstanceAdvertisesToFf02Colon12AndTheBackupTakesOverAfterMasterDownInterval() {
        VirtualLan.Node nodeA = lan.node("fe80::1");
        VirtualLan.Node nodeB = lan.node("fe80::2");
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        assertThat(a.ipv6()).isTrue();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(10));
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(lan.sentBy(nodeA).getLast().destination()).isEqualTo(GROUP);
        assertThat(lan.sentBy(nodeA).getLast().advert().addresses())
                .containsExactly(InetAddress.ofLiteral("2001:db8::100"));

        nodeA.plugged = false;
        long lastAdvert = lan.sentBy(nodeA).getLast().atNanos();
        clock.advance(Duration.ofSeconds(10));

        List<StateChanged> t = b.history().stream().filter(StateChanged.class::isInstance)
                .map(StateChanged.class::cast).toList();
        assertThat(t.getLast().reason()).isEqualTo(TransitionReason.MASTER_DOWN);
        assertThat(Duration.between(java.time.Instant.EPOCH, t.getLast().at()).toNanos() - lastAdvert)
                .isEqualTo(b.masterDownInterval().toNanos());
        assertThat(b.stats().dropped()).containsEntry(DropReason.BAD_CHECKSUM, 0L);
    }

    @Test
    void advertsWhoseHopLimitIsNot255AreDroppedAndCounted() {
        VirtualLan.Node nodeA = lan.node("fe80::1");
        VirtualLan.Node nodeB = lan.node("fe80::2");
        nodeA.ttl = 254;                                          // crossed a router: off-link, maybe forged
        VrrpInstance a = router(nodeA, 200).build();
        VrrpInstance b = router(nodeB, 100).build();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(b.state()).isEqualTo(VrrpState.MASTER);      // none of A's adverts counted
        assertThat(b.stats().dropped().get(DropReason.BAD_TTL)).isGreaterThanOrEqualTo(3L);
    }

    @Test
    void fromAUnicastPeerAnyHopLimitIsAcceptedAsKeepalivedSendsIpv6UnicastWithTheKernelDefault() {
        VirtualLan.Node nodeA = lan.node("fe80::1");
        nodeA.ttl = 64;
        VrrpInstance a = router(nodeA, 200).unicastPeer("fe80::2").build();
        VrrpInstance b = router(lan.node("fe80::2"), 100).unicastPeer("fe80::1").build();
        a.start();
        b.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(a.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(b.stats().dropped()).containsEntry(DropReason.BAD_TTL, 0L);
        assertThat(lan.sentBy(nodeA).getLast().destination()).isEqualTo(InetAddress.ofLiteral("fe80::2"));
    }

    @Test
    void anIpv4AndAnIpv6InstanceWithTheSameVridOnOneSegmentDoNotInterfere() {
        VrrpInstance v4 = VrrpInstance.builder().vrid(51).priority(100).virtualAddress("10.0.0.100")
                .transport(lan.node("10.0.0.2")).clock(clock).build();
        VrrpInstance v6 = router(lan.node("fe80::2"), 100).build();
        VrrpInstance v6Master = router(lan.node("fe80::1"), 200).build();
        v4.start();
        v6.start();
        v6Master.start();
        clock.advance(Duration.ofSeconds(10));

        // The IPv6 master's adverts reach the IPv4 instance on the shared segment and are the other family's:
        // counted, and they do not hold it in backup.
        assertThat(v4.state()).isEqualTo(VrrpState.MASTER);
        assertThat(v4.stats().dropped().get(DropReason.NOT_VRRP)).isPositive();
        assertThat(v6.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(v6Master.state()).isEqualTo(VrrpState.MASTER);
    }

    @Test
    void oneInstanceServesOneFamily() {
        assertThatThrownBy(() -> VrrpInstance.builder().virtualAddress("10.0.0.1").virtualAddress("2001:db8::1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("virtualAddress: 2001:db8::1 (expected: an IPv4 address like the others; one"
                        + " instance serves one family, run a second instance for the other)");
        assertThatThrownBy(() -> VrrpInstance.builder().virtualAddress("fe80::1"))
                .hasMessage("virtualAddress: fe80::1 (expected: a unicast address that is neither the"
                        + " wildcard nor IPv6 link-local)");
        assertThatThrownBy(() -> VrrpInstance.builder().vrid(1).priority(100).virtualAddress("2001:db8::1")
                .unicastPeer("10.0.0.2").networkInterface("eth0").build())
                .hasMessage("unicastPeer: 10.0.0.2 (expected: an IPv6 address, the family of the virtual addresses)");
    }

    private static byte[] pseudo(byte[] m) {
        byte[] sum = new byte[40 + m.length];
        System.arraycopy(A.getAddress(), 0, sum, 0, 16);
        System.arraycopy(GROUP.getAddress(), 0, sum, 16, 16);
        sum[35] = (byte) m.length;
        sum[39] = (byte) VrrpCodec.PROTOCOL;
        System.arraycopy(m, 0, sum, 40, m.length);
        return sum;
    }

    /** The 16-bit one's-complement sum of {@code b}: 0xFFFF over data that includes its correct checksum. */
    static int onesComplementSum(byte[] b) {
        long sum = 0;
        for (int i = 0; i + 1 < b.length; i += 2) {
            sum += (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
        }
        if (b.length % 2 == 1) {
            sum += (b[b.length - 1] & 0xFF) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

}
