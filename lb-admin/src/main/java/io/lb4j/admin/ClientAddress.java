package io.lb4j.admin;

import io.lb4j.api.internal.Addresses;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * The source a client's requests are counted under: its IPv4 address, or its IPv6 /64. One host on an IPv6 LAN
 * usually holds a whole /64 and may pick any address in it (privacy addresses), so counting per address would give
 * it 2^64 budgets.
 */
final class ClientAddress {

    private ClientAddress() {
    }

    /** {@code 192.0.2.7}, or {@code 2001:db8:1:2::/64} for any address of that /64. */
    static String source(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Addresses.text(address);
        }
        byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return Addresses.text(InetAddress.getByAddress(prefix)) + "/64";
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
