package io.lb4j.ha.vrrp;

import io.lb4j.ha.vrrp.internal.VrrpAdvert;
import io.lb4j.ha.vrrp.internal.VrrpCodec;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static io.lb4j.ha.vrrp.VirtualLan.ipPacket;
import static io.lb4j.ha.vrrp.VirtualLan.ipv4;
import static org.assertj.core.api.Assertions.assertThat;

class VrrpCodecTest {

    private static final Inet4Address A = ipv4("10.0.0.1");
    private static final Inet4Address GROUP = VrrpInstance.MULTICAST_GROUP;
    private static final VrrpAdvert ADVERT = new VrrpAdvert(51, 150, 100, List.of(ipv4("10.0.0.100"),
            ipv4("10.0.0.101")));

    @Test
    void encodesTheRfc5798HeaderFieldByField() {
        byte[] m = VrrpCodec.encode(new VrrpAdvert(51, 150, 0x123, List.of(ipv4("10.0.0.100"))), A, GROUP,
                ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(m).hasSize(12);
        assertThat(m[0]).isEqualTo((byte) 0x31);             // version 3, type 1
        assertThat(m[1] & 0xFF).isEqualTo(51);               // VRID
        assertThat(m[2] & 0xFF).isEqualTo(150);              // priority
        assertThat(m[3] & 0xFF).isEqualTo(1);                // count
        assertThat(m[4]).isEqualTo((byte) 0x01);             // 4 reserved bits 0, interval high nibble
        assertThat(m[5]).isEqualTo((byte) 0x23);             // interval low byte (centiseconds)
        assertThat(HexFormat.of().formatHex(m, 8, 12)).isEqualTo("0a000064");
    }

    @Test
    void decodeReturnsWhatEncodeWrote() {
        for (ChecksumMode mode : ChecksumMode.values()) {
            byte[] packet = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A, GROUP, mode));

            VrrpCodec.Decoded d = VrrpCodec.decode(packet, packet.length, mode);

            assertThat(d.dropped()).as(mode.name()).isNull();
            assertThat(d.received().advert()).isEqualTo(ADVERT);
            assertThat(d.received().source()).isEqualTo(A);
            assertThat(d.received().destination()).isEqualTo(GROUP);
            assertThat(d.received().ttl()).isEqualTo(255);
        }
    }

    /** Captured in a network namespace from keepalived 2.2.7 (Debian 12), {@code vrrp_version 3}, advert_int 0.1. */
    private static final String KEEPALIVED_ADVERT =
            "45c0002000540000ff70cff80a4d0002e0000012" + "31336401000a75320a4d0064";

    @Test
    void decodesAnAdvertCapturedFromKeepalivedWithThePseudoHeaderChecksum() {
        byte[] packet = HexFormat.of().parseHex(KEEPALIVED_ADVERT);

        VrrpCodec.Decoded d = VrrpCodec.decode(packet, packet.length, ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(d.dropped()).isNull();
        assertThat(d.received().advert()).isEqualTo(new VrrpAdvert(51, 100, 10, List.of(ipv4("10.77.0.100"))));
        assertThat(d.received().source()).isEqualTo(ipv4("10.77.0.2"));
        assertThat(d.received().ttl()).isEqualTo(255);
        assertThat(VrrpCodec.decode(packet, packet.length, ChecksumMode.WITHOUT_PSEUDO_HEADER).dropped())
                .isEqualTo(DropReason.BAD_CHECKSUM);
    }

    @Test
    void encodesTheSameFieldsToTheSameBytesAsKeepalived() {
        byte[] ours = VrrpCodec.encode(new VrrpAdvert(51, 100, 10, List.of(ipv4("10.77.0.100"))), ipv4("10.77.0.2"),
                GROUP, ChecksumMode.WITH_PSEUDO_HEADER);

        assertThat(HexFormat.of().formatHex(ours)).isEqualTo(KEEPALIVED_ADVERT.substring(40));
    }

    @Test
    void aChecksumOfTheOtherModeIsDroppedAsBadChecksum() {
        byte[] withPseudo = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER));
        byte[] without = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITHOUT_PSEUDO_HEADER));

        assertThat(VrrpCodec.decode(withPseudo, withPseudo.length, ChecksumMode.WITHOUT_PSEUDO_HEADER).dropped())
                .isEqualTo(DropReason.BAD_CHECKSUM);
        assertThat(VrrpCodec.decode(without, without.length, ChecksumMode.WITH_PSEUDO_HEADER).dropped())
                .isEqualTo(DropReason.BAD_CHECKSUM);
    }

    @Test
    void thePseudoHeaderUsesTheActualDestinationSoAUnicastCopyDiffers() {
        byte[] toGroup = VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER);
        byte[] toPeer = VrrpCodec.encode(ADVERT, A, ipv4("10.0.0.2"), ChecksumMode.WITH_PSEUDO_HEADER);
        byte[] forwardedToPeer = ipPacket(A, ipv4("10.0.0.2"), 255, toGroup);

        assertThat(HexFormat.of().formatHex(toGroup, 6, 8)).isNotEqualTo(HexFormat.of().formatHex(toPeer, 6, 8));
        assertThat(VrrpCodec.decode(forwardedToPeer, forwardedToPeer.length, ChecksumMode.WITH_PSEUDO_HEADER).dropped())
                .isEqualTo(DropReason.BAD_CHECKSUM);
    }

    @Test
    void malformedInputIsReportedByReason() {
        byte[] good = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER));

        assertThat(decode(new byte[10])).isEqualTo(DropReason.TRUNCATED);
        assertThat(decode(java.util.Arrays.copyOf(good, 30))).isEqualTo(DropReason.TRUNCATED);
        byte[] v2 = good.clone();
        v2[20] = 0x21;
        assertThat(decode(v2)).isEqualTo(DropReason.BAD_VERSION);
        byte[] type2 = good.clone();
        type2[20] = 0x32;
        assertThat(decode(type2)).isEqualTo(DropReason.BAD_TYPE);
        byte[] udp = good.clone();
        udp[9] = 17;
        assertThat(decode(udp)).isEqualTo(DropReason.NOT_VRRP);
        byte[] flipped = good.clone();
        flipped[22] ^= 1; // priority changed after the checksum was computed
        assertThat(decode(flipped)).isEqualTo(DropReason.BAD_CHECKSUM);
        byte[] countTooHigh = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A, GROUP,
                ChecksumMode.WITH_PSEUDO_HEADER));
        countTooHigh[23] = 9;
        assertThat(decode(countTooHigh)).isEqualTo(DropReason.TRUNCATED);
        byte[] zeroInterval = ipPacket(A, GROUP, 255, VrrpCodec.encode(new VrrpAdvert(51, 150, 0,
                List.of(ipv4("10.0.0.100"))), A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER));
        assertThat(decode(zeroInterval)).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void randomBytesNeverThrowAndNoCorruptedAdvertFieldIsAccepted() {
        Random random = new Random(42);
        byte[] good = ipPacket(A, GROUP, 255, VrrpCodec.encode(ADVERT, A, GROUP, ChecksumMode.WITH_PSEUDO_HEADER));
        for (int i = 0; i < 50_000; i++) {
            byte[] noise = new byte[random.nextInt(80)];
            random.nextBytes(noise);
            if (noise.length > 9) {
                noise[0] = 0x45; // IPv4-looking, to get past the first checks
                noise[9] = 112;
            }
            VrrpCodec.Decoded d = VrrpCodec.decode(noise, noise.length, ChecksumMode.WITH_PSEUDO_HEADER);
            assertThat(d.received() == null).isNotEqualTo(d.dropped() == null);

            byte[] corrupted = good.clone();
            int at = random.nextInt(corrupted.length);
            corrupted[at] ^= (byte) (1 + random.nextInt(255));
            VrrpCodec.Decoded c = VrrpCodec.decode(corrupted, corrupted.length, ChecksumMode.WITH_PSEUDO_HEADER);
            // Version, length, protocol, addresses and every VRRP byte are checked (the last two by the checksum);
            // TOS, id, fragment, TTL and the IP checksum are the kernel's (and TTL the instance's) to check.
            boolean checkedHere = at == 0 || at == 2 || at == 3 || at == 9 || at >= 12;
            if (checkedHere) {
                assertThat(c.dropped()).as("corrupted byte %d", at).isNotNull();
            }
        }
    }

    private static DropReason decode(byte[] p) {
        return VrrpCodec.decode(p, p.length, ChecksumMode.WITH_PSEUDO_HEADER).dropped();
    }
}
