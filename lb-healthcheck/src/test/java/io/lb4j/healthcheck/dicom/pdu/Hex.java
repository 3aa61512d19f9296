package io.lb4j.healthcheck.dicom.pdu;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Golden bytes written as annotated hex, field by field, so a test reads like the standard's tables. */
final class Hex {

    private Hex() {
    }

    /** The bytes of hex parts; spaces are for the reader. */
    static byte[] bytes(String... parts) {
        return HexFormat.of().parseHex(String.join("", parts).replace(" ", ""));
    }

    /** ASCII text as hex, unpadded (UIDs and names in items). */
    static String text(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** ASCII text padded with spaces to {@code width} bytes (AE titles). */
    static String padded(String s, int width) {
        return text(s + " ".repeat(width - s.length()));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
