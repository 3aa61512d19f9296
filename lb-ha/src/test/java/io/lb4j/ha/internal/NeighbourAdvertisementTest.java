package io.lb4j.ha.internal;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The unsolicited Neighbour Advertisement a new IPv6 master sends for each virtual address (RFC 4861 7.2.6). */
class NeighbourAdvertisementTest {

    private static final byte[] MAC = HexFormat.of().parseHex("020000000a01");
    private static final Inet6Address VIP = (Inet6Address) InetAddress.ofLiteral("2001:db8::100");

    @Test
    void isAnUnsolicitedOverridingAdvertisementToAllNodesFromTheVirtualAddress() {
        byte[] f = NeighbourAdvertisement.frame(MAC, VIP, false);
        HexFormat hex = HexFormat.of();

        assertThat(f).hasSize(86);
        assertThat(hex.formatHex(f, 0, 6)).isEqualTo("333300000001");          // RFC 2464 7: ff02::1
        assertThat(hex.formatHex(f, 6, 12)).isEqualTo("020000000a01");
        assertThat(hex.formatHex(f, 12, 14)).isEqualTo("86dd");
        assertThat(hex.formatHex(f, 14, 22)).isEqualTo("60000000" + "0020" + "3a" + "ff"); // 32 bytes ICMPv6, hop 255
        assertThat(hex.formatHex(f, 22, 38)).isEqualTo("20010db8000000000000000000000100"); // source: the VIP
        assertThat(hex.formatHex(f, 38, 54)).isEqualTo("ff020000000000000000000000000001");
        assertThat(f[54] & 0xFF).isEqualTo(136);                                // Neighbour Advertisement
        assertThat(f[55]).isZero();
        assertThat(f[58] & 0xFF).isEqualTo(0x20);                               // O set; R and S clear
        assertThat(hex.formatHex(f, 59, 62)).isEqualTo("000000");
        assertThat(hex.formatHex(f, 62, 78)).isEqualTo("20010db8000000000000000000000100"); // target
        assertThat(hex.formatHex(f, 78, 86)).isEqualTo("0201" + "020000000a01"); // target link-layer address
    }

    /**
     * The unsolicited advertisement keepalived 2.2.7 (Debian 12) sent on takeover for 2001:db8:77::100 from MAC
     * 02:00:00:00:00:0a on an interface that does not forward IPv6, captured in a network namespace.
     */
    @Test
    void isByteForByteWhatKeepalivedSendsForTheSameAddressAndMac() {
        String keepalived = "333300000001" + "02000000000a" + "86dd"
                + "6000000000203aff" + "20010db8007700000000000000000100" + "ff020000000000000000000000000001"
                + "8800f635" + "20000000" + "20010db8007700000000000000000100" + "0201" + "02000000000a";

        byte[] ours = NeighbourAdvertisement.frame(HexFormat.of().parseHex("02000000000a"),
                (Inet6Address) InetAddress.ofLiteral("2001:db8:77::100"), false);

        assertThat(HexFormat.of().formatHex(ours)).isEqualTo(keepalived);
    }

    @Test
    void theRouterFlagIsSetWhenAskedAndTheOverrideFlagAlways() {
        assertThat(NeighbourAdvertisement.frame(MAC, VIP, true)[58] & 0xFF).isEqualTo(0xA0);
    }

    @Test
    void theIcmpv6ChecksumCoversThePseudoHeader() {
        for (boolean router : new boolean[]{false, true}) {
            byte[] f = NeighbourAdvertisement.frame(MAC, VIP, router);
            // Independent of the builder: source, destination, length 32, next header 58, then the message.
            byte[] pseudo = new byte[40 + 32];
            System.arraycopy(f, 22, pseudo, 0, 32);
            pseudo[35] = 32;
            pseudo[39] = 58;
            System.arraycopy(f, 54, pseudo, 40, 32);
            assertThat(sum(pseudo)).as("router %s", router).isEqualTo(0xFFFF);
            f[70] ^= 1;
            System.arraycopy(f, 54, pseudo, 40, 32);
            assertThat(sum(pseudo)).isNotEqualTo(0xFFFF);
        }
    }

    @Test
    void aMacThatIsNotEthernetIsRefused() {
        assertThatThrownBy(() -> NeighbourAdvertisement.frame(new byte[8], VIP, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mac: 8 bytes (expected: a 6-byte Ethernet address)");
    }

    private static int sum(byte[] b) {
        long sum = 0;
        for (int i = 0; i + 1 < b.length; i += 2) {
            sum += (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
