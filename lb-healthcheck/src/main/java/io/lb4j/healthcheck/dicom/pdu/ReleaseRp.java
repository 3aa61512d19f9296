package io.lb4j.healthcheck.dicom.pdu;

/**
 * A-RELEASE-RP (PS3.8 9.3.7): confirms an {@link ReleaseRq}; after it the association is over. Its body is four
 * reserved bytes: {@code 06 00 00000004 00000000}. lb4j-internal.
 */
public record ReleaseRp() implements Pdu {

    @Override
    public int type() {
        return A_RELEASE_RP;
    }

    @Override
    public byte[] encode() {
        return ShortPdus.encode(A_RELEASE_RP, 0, 0, 0);
    }

    static ReleaseRp decode(WireReader body) throws MalformedPduException {
        ShortPdus.fields(body);
        return new ReleaseRp();
    }
}
