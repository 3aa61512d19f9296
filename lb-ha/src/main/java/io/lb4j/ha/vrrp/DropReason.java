package io.lb4j.ha.vrrp;

/**
 * Why a received packet was not used as an advert. Every dropped packet is counted under its reason
 * ({@link VrrpStats#dropped()}); none is logged one by one, so a flood cannot fill the log.
 */
public enum DropReason {
    /**
     * Shorter than an IP header plus the 8-byte VRRP header, or than its own length fields (IPv4 total length, IPv6
     * payload length, address count) say.
     */
    TRUNCATED,
    /**
     * Not IPv4 or IPv6, not protocol 112 (an IPv6 packet with extension headers included), an IPv4 header length
     * below 20 bytes, or an advert of the other family than the instance's.
     */
    NOT_VRRP,
    /**
     * IPv4 TTL or IPv6 hop limit not 255 (RFC 5798 7.1): the advert crossed a router, or was forged off-link. Not
     * checked with unicast peers (their list authenticates the source), as keepalived does not.
     */
    BAD_TTL,
    /** VRRP version other than 3. */
    BAD_VERSION,
    /** VRRP type other than 1 (ADVERTISEMENT). */
    BAD_TYPE,
    /** The checksum does not verify under the configured {@link ChecksumMode}. */
    BAD_CHECKSUM,
    /** A Max Advertise Interval of 0, or an address count that does not match the length. */
    MALFORMED,
    /** With unicast peers configured: from an address that is not one of them. */
    UNKNOWN_PEER,
    /**
     * The advert's virtual-address list differs from ours and it does not come from the address owner (priority
     * 255): RFC 5798 7.1 says drop it. A misconfigured peer, or a forged advert.
     */
    ADDRESS_MISMATCH,
    /** An advert for another virtual router; normal on a shared segment, counted apart from errors. */
    OTHER_VRID,
    /** Our own advert looped back. */
    OWN_ADVERT
}
