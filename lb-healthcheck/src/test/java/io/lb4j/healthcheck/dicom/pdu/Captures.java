package io.lb4j.healthcheck.dicom.pdu;

/**
 * PDUs captured on loopback from DCMTK 3.6.7 (Debian package dcmtk): what a widely deployed implementation really
 * sends, to cross-check the codec against more than its own reading of PS3.8.
 */
final class Captures {

    private Captures() {
    }

    /** {@code echoscu -aet ECHOSCU -aec ANY-SCP}: its A-ASSOCIATE-RQ. Note 0xFF in a reserved byte of the context. */
    static final byte[] ECHOSCU_ASSOCIATE_RQ = Hex.bytes(
            "0100000000cd00010000414e592d5343502020202020202020204543484f5343",
            "5520202020202020202000000000000000000000000000000000000000000000",
            "0000000000000000000010000015312e322e3834302e31303030382e332e312e",
            "312e312000002e0100ff0030000011312e322e3834302e31303030382e312e31",
            "40000011312e322e3834302e31303030382e312e325000003a51000004000040",
            "005200001b312e322e3237362e302e373233303031302e332e302e332e362e37",
            "5500000f4f464649535f44434d544b5f333637");

    /** Byte 105: the second reserved byte of the presentation context item, which echoscu sends as 0xFF. */
    static final int ECHOSCU_RESERVED_FF_INDEX = 105;

    /** {@code storescp}'s A-ASSOCIATE-AC to {@link #ECHOSCU_ASSOCIATE_RQ}. */
    static final byte[] STORESCP_ASSOCIATE_AC = Hex.bytes(
            "0200000000b800010000414e592d5343502020202020202020204543484f5343",
            "5520202020202020202000000000000000000000000000000000000000000000",
            "0000000000000000000010000015312e322e3834302e31303030382e332e312e",
            "312e31210000190100000040000011312e322e3834302e31303030382e312e32",
            "5000003a51000004000040005200001b312e322e3237362e302e373233303031",
            "302e332e302e332e362e375500000f4f464649535f44434d544b5f333637");

    /** {@code storescp}'s P-DATA-TF with the C-ECHO-RSP to a C-ECHO-RQ with message ID 1. */
    static final byte[] STORESCP_ECHO_RSP = Hex.bytes(
            "0400000000540000005001030000000004000000420000000000020012000000",
            "312e322e3834302e31303030382e312e31000000000102000000308000002001",
            "0200000001000000000802000000010100000009020000000000");

    /** {@code storescp}'s A-RELEASE-RP. */
    static final byte[] STORESCP_RELEASE_RP = Hex.bytes(
            "06000000000400000000");
}
