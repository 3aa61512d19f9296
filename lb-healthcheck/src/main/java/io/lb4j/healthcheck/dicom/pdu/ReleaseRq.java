package io.lb4j.healthcheck.dicom.pdu;

/**
 * A-RELEASE-RQ (PS3.8 9.3.6): asks the peer to end the association in order. Its body is four reserved bytes:
 * {@code 05 00 00000004 00000000}. lb4j-internal.
 */
public record ReleaseRq() implements Pdu {

    @Override
    public int type() {
        return A_RELEASE_RQ;
    }

    @Override
    public byte[] encode() {
        return ShortPdus.encode(A_RELEASE_RQ, 0, 0, 0);
    }

    static ReleaseRq decode(WireReader body) throws MalformedPduException {
        ShortPdus.fields(body);
        return new ReleaseRq();
    }
}
