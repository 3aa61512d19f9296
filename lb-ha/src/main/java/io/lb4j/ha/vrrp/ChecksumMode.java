package io.lb4j.ha.vrrp;

/**
 * How the checksum of an IPv4 VRRPv3 advert is computed. Both peers must agree: an advert whose checksum does not
 * verify under the configured mode is counted as {@link DropReason#BAD_CHECKSUM} and dropped.
 */
public enum ChecksumMode {
    /**
     * Includes the IPv4 pseudo-header (source, destination, zero, protocol 112, VRRP length) as RFC 5798 section
     * 5.2.8 reads. What keepalived (1.3.6 and later, including Debian's 2.2.x) sends and expects by default; for
     * unicast adverts the destination is the peer's address. The default.
     */
    WITH_PSEUDO_HEADER,
    /** The checksum covers the VRRP message only, as RFC 9568 specifies for IPv4. */
    WITHOUT_PSEUDO_HEADER
}
