package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): full computation for building and verifying, and the incremental update of
 * RFC 1624 (eqn. 3, {@code HC' = ~(~HC + ~m + m')}) for rewrites, which touches only the changed words instead of
 * the whole segment. Eqn. 3 rather than RFC 1141's eqn. 2 because it never yields the -0 (0x0000) result that
 * eqn. 2 can produce from a correct sum.
 */
final class Checksums {

    private Checksums() {
    }

    /** Adds the big-endian 16-bit words of {@code length} bytes to {@code sum}; an odd last byte is padded with 0. */
    static long sum(MemorySegment s, long offset, int length, long sum) {
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            sum += Bytes.i32(s, offset + i) & 0xFFFF_FFFFL;
        }
        if (i + 2 <= length) {
            sum += Bytes.u16(s, offset + i);
            i += 2;
        }
        if (i < length) {
            sum += Bytes.u8(s, offset + i) << 8;
        }
        return sum;
    }

    /**
     * Folds a wide sum (any non-negative long) into 16 bits with end-around carry (not complemented). Fixed steps
     * rather than a loop: no data-dependent branch on the packet path.
     */
    static int fold(long sum) {
        sum = (sum & 0xFFFF_FFFFL) + (sum >>> 32);  // < 2^33
        sum = (sum & 0xFFFF) + (sum >>> 16);        // < 2^17 + 2^16
        sum = (sum & 0xFFFF) + (sum >>> 16);        // <= 0xFFFF + 2
        sum = (sum & 0xFFFF) + (sum >>> 16);        // <= 0xFFFF
        return (int) sum;
    }

    /** The IPv4 pseudo-header's contribution for a transport checksum (RFC 793 / 768). */
    static long pseudoHeaderIpv4(int source, int destination, int protocol, int transportLength) {
        return (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF)
                + protocol + transportLength;
    }

    /** The IPv4 header checksum to store, computed with the checksum field taken as 0. */
    static int ipv4Header(MemorySegment s, long offset, int headerLength) {
        long sum = sum(s, offset, headerLength, 0) - Bytes.u16(s, offset + Ipv4Flyweight.CHECKSUM_OFFSET);
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * The transport checksum to store for a TCP or UDP segment over IPv4, computed from scratch with the checksum
     * field taken as 0 (a UDP result of 0 is sent as 0xFFFF, RFC 768).
     */
    static int transportIpv4(MemorySegment s, long offset, int length, int source, int destination, int protocol,
                             int checksumOffset) {
        long sum = sum(s, offset, length, pseudoHeaderIpv4(source, destination, protocol, length))
                - Bytes.u16(s, offset + checksumOffset);
        int result = ~fold(sum) & 0xFFFF;
        return result == 0 && protocol == Ipv4Flyweight.PROTOCOL_UDP ? 0xFFFF : result;
    }

    /** RFC 1624 eqn. 3 for one 16-bit word changing from {@code oldWord} to {@code newWord}. */
    static int update16(int checksum, int oldWord, int newWord) {
        int sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return ~sum & 0xFFFF;
    }

    /** RFC 1624 eqn. 3 for a 32-bit field (an IPv4 address) changing, as its two 16-bit words. */
    static int update32(int checksum, int oldValue, int newValue) {
        int sum = (~checksum & 0xFFFF)
                + (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF)
                + (newValue >>> 16) + (newValue & 0xFFFF);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return ~sum & 0xFFFF;
    }

    /** The sum of the four 16-bit words of a 64-bit value (at most 4 x 0xFFFF). */
    private static long words(long v) {
        return (v >>> 48) + ((v >>> 32) & 0xFFFF) + ((v >>> 16) & 0xFFFF) + (v & 0xFFFF);
    }

    /**
     * The IPv6 pseudo-header's contribution for an upper-layer checksum (RFC 8200 8.1): both addresses, the
     * upper-layer packet length and the next header value (of the upper layer, not of an extension header).
     */
    static long pseudoHeaderIpv6(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow,
                                 int protocol, int upperLayerLength) {
        return words(sourceHigh) + words(sourceLow) + words(destinationHigh) + words(destinationLow)
                + (upperLayerLength >>> 16) + (upperLayerLength & 0xFFFF) + protocol;
    }

    /**
     * The checksum to store for a TCP, UDP or ICMPv6 message over IPv6, computed from scratch with the checksum field
     * taken as 0. IPv6 has no header checksum, and a UDP checksum is mandatory (RFC 8200 8.1): a computed 0 is sent
     * as 0xFFFF.
     */
    static int transportIpv6(MemorySegment s, long offset, int length, long sourceHigh, long sourceLow,
                             long destinationHigh, long destinationLow, int protocol, int checksumOffset) {
        long sum = sum(s, offset, length,
                pseudoHeaderIpv6(sourceHigh, sourceLow, destinationHigh, destinationLow, protocol, length))
                - Bytes.u16(s, offset + checksumOffset);
        int result = ~fold(sum) & 0xFFFF;
        return result == 0 && protocol == Ipv6Flyweight.PROTOCOL_UDP ? 0xFFFF : result;
    }

    /** RFC 1624 eqn. 3 for a 128-bit field (an IPv6 address) changing, as its eight 16-bit words. */
    static int update128(int checksum, long oldHigh, long oldLow, long newHigh, long newLow) {
        long sum = (~checksum & 0xFFFF) + words(~oldHigh) + words(~oldLow) + words(newHigh) + words(newLow);
        return ~fold(sum) & 0xFFFF;
    }
}
