package io.lb4j.ha.internal;

import java.net.Inet4Address;

/**
 * Builds a gratuitous ARP frame: a broadcast ARP request in which the sender and target protocol addresses are both
 * the virtual address and the sender hardware address is ours, so every host and switch on the segment updates its
 * entry for the address at once (RFC 5227 section 3 calls this an ARP Announcement; keepalived sends the same).
 */
public final class GratuitousArp {

    /** EtherType of ARP. */
    public static final int ETHER_TYPE = 0x0806;
    /** Ethernet minimum frame without FCS: shorter frames are padded with zeros. */
    static final int FRAME_LENGTH = 60;

    private GratuitousArp() {
    }

    /** The whole Ethernet frame announcing that {@code address} is at {@code mac}. */
    public static byte[] frame(byte[] mac, Inet4Address address) {
        if (mac == null || mac.length != 6) {
            throw new IllegalArgumentException("mac: " + (mac == null ? "null" : mac.length + " bytes")
                    + " (expected: a 6-byte Ethernet address)");
        }
        byte[] ip = address.getAddress();
        byte[] f = new byte[FRAME_LENGTH];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xFF; // broadcast destination
        }
        System.arraycopy(mac, 0, f, 6, 6);
        f[12] = (byte) (ETHER_TYPE >>> 8);
        f[13] = (byte) ETHER_TYPE;
        int a = 14;
        f[a + 1] = 1;             // hardware type: Ethernet
        f[a + 2] = 0x08;          // protocol type: IPv4
        f[a + 4] = 6;             // hardware address length
        f[a + 5] = 4;             // protocol address length
        f[a + 7] = 1;             // operation: request
        System.arraycopy(mac, 0, f, a + 8, 6);   // sender hardware address
        System.arraycopy(ip, 0, f, a + 14, 4);   // sender protocol address
        // target hardware address stays 00:00:00:00:00:00
        System.arraycopy(ip, 0, f, a + 24, 4);   // target protocol address
        return f;
    }
}
