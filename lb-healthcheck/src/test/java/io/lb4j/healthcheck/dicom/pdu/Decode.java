package io.lb4j.healthcheck.dicom.pdu;

import java.nio.ByteBuffer;

/** Decoding shortcuts for the tests. */
final class Decode {

    /** A limit far above every PDU in the tests, so only the tests about the limit meet it. */
    static final int MAX = 65536;

    private Decode() {
    }

    static Pdu pdu(byte[] bytes) throws MalformedPduException {
        return PduCodec.decode(ByteBuffer.wrap(bytes), MAX);
    }
}
